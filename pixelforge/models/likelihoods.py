"""Per-pixel likelihoods of 8-bit images, shared by every family that models pixels.

Images are in [-1, 1]; 8-bit data sits on 256 bins of width 2/255, so a
discretized density gives a proper probability mass and log-likelihoods in nats
that are comparable across families (bits/dim = nats / (C·H·W·ln 2)).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

HALF_BIN = 1.0 / 255.0  # half the width of one 8-bit bin on the [-1, 1] scale
EDGE = 0.999            # pixels beyond ±EDGE are the first/last bin: integrate to ∓infinity


def bernoulli_log_prob(logits: Tensor, x: Tensor) -> Tensor:
    """log p(x) per pixel for binary x in {-1, 1}; logits of the pixel being 1 (white)."""
    target = (x > 0).to(logits.dtype)
    return -F.binary_cross_entropy_with_logits(logits, target, reduction="none")


def _discretized_log_prob(x: Tensor, log_cdf_upper: Tensor, log_sf_lower: Tensor,
                          bin_mass: Tensor, log_density_mid: Tensor) -> Tensor:
    """Choose, per pixel, the edge-bin or inner-bin log-mass (Salimans et al. 2017, sec. 2.1)."""
    # A bin whose mass underflows float32 falls back to density × bin width.
    inner = torch.where(bin_mass > 1e-5, torch.log(bin_mass.clamp(min=1e-12)),
                        log_density_mid + math.log(2 * HALF_BIN))
    return torch.where(x < -EDGE, log_cdf_upper, torch.where(x > EDGE, log_sf_lower, inner))


def discretized_logistic_log_prob(mean: Tensor, log_scale: Tensor, x: Tensor) -> Tensor:
    """log P(x) per pixel under a logistic(mean, exp(log_scale)) discretized to 256 bins."""
    inv_scale = torch.exp(-log_scale)
    upper = inv_scale * (x - mean + HALF_BIN)
    lower = inv_scale * (x - mean - HALF_BIN)
    mid = inv_scale * (x - mean)
    log_cdf_upper = upper - F.softplus(upper)       # log sigmoid(upper)
    log_sf_lower = -F.softplus(lower)               # log (1 - sigmoid(lower))
    bin_mass = torch.sigmoid(upper) - torch.sigmoid(lower)
    log_density_mid = mid - log_scale - 2.0 * F.softplus(mid)
    return _discretized_log_prob(x, log_cdf_upper, log_sf_lower, bin_mass, log_density_mid)


def discretized_gaussian_log_prob(mean: Tensor, log_scale: Tensor, x: Tensor) -> Tensor:
    """log P(x) per pixel under a Gaussian(mean, exp(log_scale)) discretized to 256 bins."""
    inv_scale = torch.exp(-log_scale)
    upper = inv_scale * (x - mean + HALF_BIN)
    lower = inv_scale * (x - mean - HALF_BIN)
    mid = inv_scale * (x - mean)
    log_cdf_upper = torch.special.log_ndtr(upper)
    log_sf_lower = torch.special.log_ndtr(-lower)
    bin_mass = torch.special.ndtr(upper) - torch.special.ndtr(lower)
    log_density_mid = -0.5 * mid**2 - log_scale - 0.5 * math.log(2 * math.pi)
    return _discretized_log_prob(x, log_cdf_upper, log_sf_lower, bin_mass, log_density_mid)


def nats_to_bits_per_dim(nats_per_image: float | Tensor, num_dims: int) -> float | Tensor:
    """Convert a negative log-likelihood in nats per image to bits per dimension."""
    return nats_per_image / (num_dims * math.log(2.0))
