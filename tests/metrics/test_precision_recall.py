"""Improved precision/recall (Kynkäänniemi et al. 2019) on cases worked out by hand, and the Inception Score."""

import math

import pytest
import torch

from pixelforge.errors import ConfigError
from pixelforge.metrics.inception_score import inception_score_from_logits
from pixelforge.metrics.precision_recall import improved_precision_recall, nearest_neighbour_radii


def test_precision_and_recall_of_a_hand_worked_example():
    # Real points 0, 1, 2, 3 on a line with k = 1: every radius is 1. Fake 0.5 and 3.9 fall
    # inside (within 1 of 0 and of 3), 10 does not: precision 2/3. The fake radii (k = 1) are
    # 3.4, 3.4, 6.1, so every real point lies within one of them: recall 1.
    real = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    fake = torch.tensor([[0.5], [3.9], [10.0]])
    torch.testing.assert_close(nearest_neighbour_radii(fake.double(), k=1), torch.tensor([3.4, 3.4, 6.1]).double())
    precision, recall = improved_precision_recall(real, fake, k=1)
    assert precision == pytest.approx(2 / 3) and recall == 1.0


def test_identical_sets_score_one_and_far_apart_sets_score_zero():
    points = torch.randn(50, 8, generator=torch.Generator().manual_seed(0))
    assert improved_precision_recall(points, points.clone()) == (1.0, 1.0)
    assert improved_precision_recall(points, points + 100.0) == (0.0, 0.0)


def test_a_collapsed_generator_has_precision_but_no_recall():
    generator = torch.Generator().manual_seed(1)
    real = torch.randn(200, 4, generator=generator)
    collapsed = 0.05 * torch.randn(200, 4, generator=generator)  # every sample near the real mode
    precision, recall = improved_precision_recall(real, collapsed)
    assert precision > 0.9 and recall < 0.2


def test_k_must_leave_neighbours_in_each_set():
    with pytest.raises(ConfigError, match="k=3"):
        improved_precision_recall(torch.zeros(3, 2), torch.zeros(10, 2))


def test_inception_score_is_one_for_uninformative_and_k_for_confident_even_predictions():
    assert inception_score_from_logits(torch.zeros(100, 1008), num_splits=10) == pytest.approx((1.0, 0.0))
    # 10 classes, each predicted with certainty equally often in every split: IS = exp(log 10) = 10.
    confident = torch.full((100, 10), -1e4)
    confident[torch.arange(100), torch.arange(100) % 10] = 1e4
    mean, std = inception_score_from_logits(confident, num_splits=10)
    assert mean == pytest.approx(10.0) and std == pytest.approx(0.0, abs=1e-9)
    assert inception_score_from_logits(confident, num_splits=1)[0] == pytest.approx(math.exp(math.log(10)))


def test_inception_score_needs_logits_and_enough_images():
    with pytest.raises(ConfigError, match="needs class logits"):
        inception_score_from_logits(None)
    with pytest.raises(ConfigError, match="num_splits=10"):
        inception_score_from_logits(torch.zeros(5, 1008))
