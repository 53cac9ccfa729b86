"""The discretized likelihoods are proper distributions over the 256 levels of a pixel."""

import math

import pytest
import torch

from pixelforge.models.likelihoods import (discretized_gaussian_log_prob, discretized_logistic_log_prob,
                                           nats_to_bits_per_dim)

LEVELS = torch.arange(256, dtype=torch.float64) / 127.5 - 1  # the 8-bit values on the [-1, 1] scale


@pytest.mark.parametrize("log_prob", [discretized_logistic_log_prob, discretized_gaussian_log_prob])
@pytest.mark.parametrize("mean,log_scale", [(0.0, -2.0), (0.9, -4.0), (-1.0, -6.0), (0.3, 0.5)])
def test_probabilities_over_the_256_levels_sum_to_one(log_prob, mean, log_scale):
    means = torch.full_like(LEVELS, mean)
    log_scales = torch.full_like(LEVELS, log_scale)
    total = log_prob(means, log_scales, LEVELS).exp().sum()
    assert total.item() == pytest.approx(1.0, abs=2e-3)


def test_bits_per_dim_conversion():
    assert nats_to_bits_per_dim(784 * math.log(2), 784) == pytest.approx(1.0)
