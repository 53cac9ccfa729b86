"""Samplers as plain functions of a denoiser and the schedule's alpha-bar (no network inside).

Each walks a decreasing sequence of timesteps (a subsequence of 0..T-1, see `timestep_sequence`);
the step after the last timestep lands on the data (alpha-bar = 1). `denoise(x_t, t)` returns
(x0_hat, eps_hat) (see process.py); randomness comes only from `generator`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ...errors import ConfigError
from .process import Denoiser, eps_from_x0, posterior


def timestep_sequence(num_timesteps: int, steps: int, start: int | None = None) -> list[int]:
    """`steps` timesteps evenly spread over 0..start (default T-1), decreasing and distinct.
    The last is always 0 and the first `start`, so every schedule ends on the data."""
    start = num_timesteps - 1 if start is None else start
    if not 1 <= steps <= start + 1:
        raise ConfigError(f"steps={steps}: expected 1..{start + 1} (the timesteps available)")
    if steps == 1:
        return [start]
    values = torch.linspace(start, 0, steps, dtype=torch.float64).round().long().tolist()
    return list(dict.fromkeys(values))  # distinct, order kept


def _log_snr_half(ab: Tensor) -> Tensor:
    """lambda = log(alpha / sigma) = log(ab / (1 - ab)) / 2, the solver's time variable."""
    return 0.5 * (torch.log(ab) - torch.log1p(-ab))


def log_snr_timesteps(alpha_bar: Tensor, steps: int) -> list[int]:
    """About `steps` timesteps from T-1 down to 0, evenly spread in lambda = log(alpha/sigma) (each the
    integer timestep nearest its target; duplicates dropped): DPM-Solver's spacing for small images
    (Lu et al. 2022, "logSNR"), where t-even steps leave the last, largest lambda jump too coarse."""
    if not 1 <= steps <= len(alpha_bar):
        raise ConfigError(f"steps={steps}: expected 1..{len(alpha_bar)} (the timesteps available)")
    if steps == 1:
        return [len(alpha_bar) - 1]
    lam = _log_snr_half(alpha_bar.double())
    targets = torch.linspace(float(lam[-1]), float(lam[0]), steps, dtype=torch.float64)
    nearest = (lam[None, :] - targets[:, None]).abs().argmin(dim=1).tolist()
    return list(dict.fromkeys(nearest))


def _levels(alpha_bar: Tensor, t: int, s: int | None, like: Tensor) -> tuple[Tensor, Tensor]:
    """(ab_t, ab_s) as 0-d tensors in like's dtype; s None is the data (ab = 1)."""
    ab_t = alpha_bar[t].to(like.device, like.dtype)
    ab_s = torch.ones_like(ab_t) if s is None else alpha_bar[s].to(like.device, like.dtype)
    return ab_t, ab_s


def _denoise(denoise: Denoiser, x: Tensor, t: int, ab_t: Tensor, clip: bool) -> tuple[Tensor, Tensor]:
    t_batch = torch.full((x.shape[0],), t, device=x.device, dtype=torch.long)
    x0, eps = denoise(x, t_batch)
    if clip:  # Ho et al. 2020 clip x0_hat to the data range; eps is made consistent with it
        x0 = x0.clamp(-1, 1)
        eps = eps_from_x0(x0, x, ab_t)
    return x0, eps


def _pairs(timesteps: list[int]) -> list[tuple[int, int | None]]:
    """(t, s) for each step of a decreasing sequence; the last s is None (the data)."""
    return list(zip(timesteps, [*timesteps[1:], None]))


def ddpm_step(denoise: Denoiser, alpha_bar: Tensor, t: int, s: int | None, x_t: Tensor,
              generator: torch.Generator | None, variance: str = "beta", clip: bool = True) -> Tensor:
    """One ancestral step t -> s (s None: the data, where the mean is returned without noise)."""
    ab_t, ab_s = _levels(alpha_bar, t, s, x_t)
    x0, _ = _denoise(denoise, x_t, t, ab_t, clip)
    mean, posterior_variance = posterior(ab_t, ab_s, x0, x_t)
    if s is None:
        return mean
    step_variance = 1 - ab_t / ab_s if variance == "beta" else posterior_variance
    noise = torch.randn(x_t.shape, generator=generator, device=x_t.device, dtype=x_t.dtype)
    return mean + step_variance.sqrt() * noise


@torch.no_grad()
def ddpm_sample(denoise: Denoiser, alpha_bar: Tensor, timesteps: list[int], x_t: Tensor,
                generator: torch.Generator | None, variance: str = "beta", clip: bool = True) -> Tensor:
    """Ancestral sampling (Ho et al. 2020, algorithm 2): x_s ~ N(mu(x_t, x0_hat), sigma²) for each step
    t -> s of `timesteps` (all T: the original chain; fewer: the respaced chain of Nichol & Dhariwal
    2021). sigma² is the step's beta (variance="beta") or the posterior's (variance="posterior")."""
    for t, s in _pairs(timesteps):
        x_t = ddpm_step(denoise, alpha_bar, t, s, x_t, generator, variance, clip)
    return x_t


def ddim_step(denoise: Denoiser, alpha_bar: Tensor, t: int, s: int | None, x_t: Tensor, eta: float = 0.0,
              generator: torch.Generator | None = None, clip: bool = True) -> Tensor:
    """One DDIM step t -> s (Song et al. 2021, eq. 12): sqrt(ab_s)·x0_hat + sqrt(1 - ab_s - sigma²)·eps_hat
    + sigma·z with sigma = eta·sqrt((1 - ab_s)/(1 - ab_t))·sqrt(1 - ab_t/ab_s); eta = 0 draws nothing."""
    ab_t, ab_s = _levels(alpha_bar, t, s, x_t)
    x0, eps = _denoise(denoise, x_t, t, ab_t, clip)
    sigma = eta * ((1 - ab_s) / (1 - ab_t) * (1 - ab_t / ab_s)).sqrt()
    x_s = ab_s.sqrt() * x0 + (1 - ab_s - sigma**2).clamp(min=0).sqrt() * eps
    if eta > 0 and s is not None:
        x_s = x_s + sigma * torch.randn(x_t.shape, generator=generator, device=x_t.device, dtype=x_t.dtype)
    return x_s


@torch.no_grad()
def ddim_sample(denoise: Denoiser, alpha_bar: Tensor, timesteps: list[int], x_t: Tensor, eta: float = 0.0,
                generator: torch.Generator | None = None, clip: bool = True) -> Tensor:
    """DDIM sampling over `timesteps` (any number); with eta = 0 a deterministic map of x_t."""
    for t, s in _pairs(timesteps):
        x_t = ddim_step(denoise, alpha_bar, t, s, x_t, eta, generator, clip)
    return x_t


@torch.no_grad()
def dpm_solver_sample(denoise: Denoiser, alpha_bar: Tensor, timesteps: list[int], x_t: Tensor,
                      clip: bool = True) -> Tensor:
    """DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", algorithm 2): the probability-flow ODE solved in
    lambda = log(alpha/sigma) with the data prediction, second order from the previous step's x0_hat.

    Step t -> s with h = lambda_s - lambda_t: x_s = (sigma_s/sigma_t)·x_t - alpha_s·(e^-h - 1)·D, where
    D = x0_hat (first step: this is DDIM) or x0_hat + (x0_hat - x0_prev)·h/(2·h_prev). The last step,
    onto the data, returns x0_hat (first order). Deterministic: the same x_t gives the same image.
    """
    previous_x0, previous_h = None, None
    for t, s in _pairs(timesteps):
        ab_t, ab_s = _levels(alpha_bar, t, s, x_t)
        x0, _ = _denoise(denoise, x_t, t, ab_t, clip)
        if s is None:
            return x0
        h = _log_snr_half(ab_s) - _log_snr_half(ab_t)
        direction = x0 if previous_x0 is None else x0 + (x0 - previous_x0) * (h / (2 * previous_h))
        x_t = ((1 - ab_s) / (1 - ab_t)).sqrt() * x_t - ab_s.sqrt() * torch.expm1(-h) * direction
        previous_x0, previous_h = x0, h
    return x_t


def renoise(alpha_bar: Tensor, t: int, s: int | None, x_s: Tensor, generator: torch.Generator | None) -> Tensor:
    """A draw of q(x_t | x_s) for s < t (s None: the data): the forward process over several steps."""
    ab_t, ab_s = _levels(alpha_bar, t, s, x_s)
    noise = torch.randn(x_s.shape, generator=generator, device=x_s.device, dtype=x_s.dtype)
    return (ab_t / ab_s).sqrt() * x_s + (1 - ab_t / ab_s).sqrt() * noise


def step_up(x_s: Tensor, eps: Tensor, ab_t: Tensor, ab_s: Tensor) -> Tensor:
    """DDIM's deterministic step t -> s solved for x_t: x_t = sqrt(ab_t)·x0_hat + sqrt(1 - ab_t)·eps,
    with x0_hat = (x_s - sqrt(1 - ab_s)·eps)/sqrt(ab_s)."""
    return ab_t.sqrt() * (x_s - (1 - ab_s).sqrt() * eps) / ab_s.sqrt() + (1 - ab_t).sqrt() * eps


@torch.no_grad()
def ddim_invert(denoise: Denoiser, alpha_bar: Tensor, timesteps: list[int], x0: Tensor,
                refinements: int = 0) -> Tensor:
    """Run DDIM (eta = 0) backwards, from data x0 up to the first (largest) of `timesteps`: the noise
    that `ddim_sample(..., clip=False)` on the same timesteps maps back to about x0.

    The step s -> t needs eps_hat(x_t, t), not yet known; it is taken at (x_s, t), then refined by
    `refinements` fixed-point iterations x_t <- step(x_s, eps_hat(x_t, t)), which make the inversion
    exact where they converge (small steps; a smooth network).
    """
    x = x0
    for t, s in reversed(_pairs(timesteps)):
        ab_t, ab_s = _levels(alpha_bar, t, s, x)
        _, eps = _denoise(denoise, x, t, ab_t, clip=False)
        x_t = step_up(x, eps, ab_t, ab_s)
        for _ in range(refinements):
            _, eps = _denoise(denoise, x_t, t, ab_t, clip=False)
            x_t = step_up(x, eps, ab_t, ab_s)
        x = x_t
    return x
