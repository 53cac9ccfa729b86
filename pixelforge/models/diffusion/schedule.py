"""Noise schedules: beta_t for t = 0..T-1 and the cumulative products alpha-bar_t.

Code index t = 0..T-1 is the paper's t = 1..T (Ho et al. 2020). Everything is float64:
1 - alpha-bar_t is tiny at small t, and the variational bound divides by it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ...errors import ConfigError

COSINE_OFFSET = 0.008  # s of Nichol & Dhariwal 2021, eq. 17: keeps beta_1 from being vanishingly small
MAX_BETA = 0.999       # their clipping of the cosine schedule's last betas (sec. 3.2)


def linear_betas(num_timesteps: int) -> Tensor:
    """Ho et al. 2020: beta from 1e-4 to 0.02 over T = 1000, scaled by 1000/T for other T
    (Nichol & Dhariwal 2021) so that alpha-bar_T stays near zero. (T,) float64."""
    scale = 1000.0 / num_timesteps
    return torch.linspace(scale * 1e-4, scale * 0.02, num_timesteps, dtype=torch.float64)


def cosine_betas(num_timesteps: int) -> Tensor:
    """Nichol & Dhariwal 2021, eq. 17: alpha-bar(t) = cos²((t/T + s)/(1 + s) · π/2). (T,) float64."""
    steps = torch.arange(num_timesteps + 1, dtype=torch.float64) / num_timesteps
    alpha_bar = torch.cos((steps + COSINE_OFFSET) / (1 + COSINE_OFFSET) * math.pi / 2) ** 2
    return (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=MAX_BETA)


def make_betas(schedule: str, num_timesteps: int) -> Tensor:
    if schedule == "linear":
        return linear_betas(num_timesteps)
    if schedule == "cosine":
        return cosine_betas(num_timesteps)
    raise ConfigError(f"schedule={schedule!r}: expected 'linear' or 'cosine'")


def alphas_cumprod(betas: Tensor) -> Tensor:
    """alpha-bar_t = prod_{s <= t} (1 - beta_s), (T,): strictly decreasing from ~1 towards 0."""
    return torch.cumprod(1 - betas, dim=0)
