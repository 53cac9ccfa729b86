"""Kernel Inception Distance: unbiasedness, sensitivity to a shift, subset handling."""

import numpy as np
import pytest
import torch

from pixelforge.errors import DataError
from pixelforge.metrics.kid import kernel_inception_distance, unbiased_mmd2


def test_unbiased_mmd2_matches_a_direct_double_sum():
    random = np.random.default_rng(0)
    x, y = random.normal(size=(7, 5)), random.normal(size=(6, 5)) + 0.3
    k = lambda a, b: (a @ b / 5 + 1) ** 3  # noqa: E731 - the cubic kernel written out
    within_x = sum(k(x[i], x[j]) for i in range(7) for j in range(7) if i != j) / (7 * 6)
    within_y = sum(k(y[i], y[j]) for i in range(6) for j in range(6) if i != j) / (6 * 5)
    across = sum(k(x[i], y[j]) for i in range(7) for j in range(6)) / (7 * 6)
    assert unbiased_mmd2(x, y) == pytest.approx(within_x + within_y - 2 * across, rel=1e-12)


def test_kid_is_about_zero_for_one_distribution_and_positive_for_a_shifted_one():
    random = np.random.default_rng(1)
    real, same = random.normal(size=(2000, 64)), random.normal(size=(2000, 64))
    shifted = random.normal(size=(2000, 64)) + 0.5
    same_mean, same_std, _ = kernel_inception_distance(real, same, num_subsets=20, subset_size=500)
    shifted_mean, _, _ = kernel_inception_distance(real, shifted, num_subsets=20, subset_size=500)
    # Unbiased: zero within its own noise (a biased estimator would sit clearly above 0 here).
    assert abs(same_mean) < 3 * same_std / np.sqrt(20) + 1e-4
    assert shifted_mean > 100 * max(abs(same_mean), same_std / np.sqrt(20))


def test_kid_clamps_a_subset_size_larger_than_the_sets_with_a_warning():
    real, fake = torch.randn(30, 8), torch.randn(40, 8)
    with pytest.warns(UserWarning, match="using subsets of 30"):
        _, std, size = kernel_inception_distance(real, fake, num_subsets=5, subset_size=1000)
    assert size == 30
    assert std > 0  # the fake subsets still differ between draws


def test_kid_is_reproducible_with_its_seed_and_rejects_mismatched_features():
    real, fake = torch.randn(200, 8), torch.randn(200, 8) + 0.2
    first, second = (kernel_inception_distance(real, fake, 10, 50, seed=3) for _ in range(2))
    assert first == second
    with pytest.raises(DataError, match="dimensions"):
        kernel_inception_distance(real, torch.randn(200, 9))
