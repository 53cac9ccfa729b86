"""The forward process q and its posterior, as plain functions of alpha-bar (no network here).

    q(x_t | x_0)        = N(sqrt(ab_t) x_0, (1 - ab_t) I)                       Ho et al. 2020, eq. 4
    q(x_s | x_t, x_0)   = N(c0 x_0 + ct x_t, var)  for s < t                      eq. 6-7, for any s < t
A denoiser is a function (x_t (B, C, H, W), t (B,) long) -> (x0_hat, eps_hat), both (B, C, H, W):
the network's output turned into its two equivalent readings.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

Denoiser = Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]


def at(values: Tensor, t: Tensor, like: Tensor) -> Tensor:
    """values[t] (values (T,), t (B,) long) as (B, 1, 1, 1) in the dtype and device of `like`."""
    return values.to(like.device)[t].to(like.dtype).view(-1, *([1] * (like.dim() - 1)))


def q_sample(alpha_bar: Tensor, x0: Tensor, t: Tensor, noise: Tensor) -> Tensor:
    """x_t = sqrt(ab_t)·x0 + sqrt(1 - ab_t)·noise: a draw of q(x_t | x_0), (B, C, H, W)."""
    ab = at(alpha_bar, t, x0)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def q_mean_variance(alpha_bar: Tensor, x0: Tensor, t: Tensor) -> tuple[Tensor, Tensor]:
    """Mean (B, C, H, W) and variance (B, 1, 1, 1) of q(x_t | x_0)."""
    ab = at(alpha_bar, t, x0)
    return ab.sqrt() * x0, 1 - ab


def posterior(ab_t: Tensor, ab_s: Tensor, x0: Tensor, x_t: Tensor) -> tuple[Tensor, Tensor]:
    """Mean and variance of q(x_s | x_t, x_0) for s < t, given ab_t and ab_s (broadcastable).

    With alpha = ab_t / ab_s and beta = 1 - alpha (one step of the sub-chain s -> t):
    mean = sqrt(ab_s)·beta/(1 - ab_t)·x0 + sqrt(alpha)·(1 - ab_s)/(1 - ab_t)·x_t,
    variance = beta·(1 - ab_s)/(1 - ab_t)   (Ho et al. 2020, eq. 7; ab_s = 1 gives x0 and 0).
    """
    alpha = ab_t / ab_s
    beta = 1 - alpha
    mean = (ab_s.sqrt() * beta * x0 + alpha.sqrt() * (1 - ab_s) * x_t) / (1 - ab_t)
    return mean, beta * (1 - ab_s) / (1 - ab_t)


def split_prediction(output: Tensor, x_t: Tensor, ab_t: Tensor, prediction: str) -> tuple[Tensor, Tensor]:
    """(x0_hat, eps_hat) from the network output: eps-prediction (Ho et al. 2020, eq. 11) or
    v-prediction, v = sqrt(ab)·eps - sqrt(1 - ab)·x0 (Salimans & Ho 2022, sec. 4)."""
    if prediction == "epsilon":
        eps = output
        return (x_t - (1 - ab_t).sqrt() * eps) / ab_t.sqrt(), eps
    x0 = ab_t.sqrt() * x_t - (1 - ab_t).sqrt() * output
    eps = (1 - ab_t).sqrt() * x_t + ab_t.sqrt() * output
    return x0, eps


def eps_from_x0(x0: Tensor, x_t: Tensor, ab_t: Tensor) -> Tensor:
    """The noise that takes x0 to x_t at level ab_t (used after clipping x0_hat to [-1, 1])."""
    return (x_t - ab_t.sqrt() * x0) / (1 - ab_t).sqrt()


def regression_target(x0: Tensor, noise: Tensor, ab_t: Tensor, prediction: str) -> Tensor:
    """What the network regresses on: the noise, or v = sqrt(ab)·noise - sqrt(1 - ab)·x0."""
    if prediction == "epsilon":
        return noise
    return ab_t.sqrt() * noise - (1 - ab_t).sqrt() * x0


def denoising_loss(output: Tensor, x0: Tensor, noise: Tensor, ab_t: Tensor, prediction: str) -> Tensor:
    """L_simple (Ho et al. 2020, eq. 14): mean squared error against the target, a scalar."""
    return (output.float() - regression_target(x0, noise, ab_t, prediction).float()).pow(2).mean()


def sample_timesteps(batch: int, num_timesteps: int, generator: torch.Generator | None,
                     device: torch.device) -> Tensor:
    """t ~ Uniform{0, ..., T-1}, (B,) long."""
    return torch.randint(0, num_timesteps, (batch,), generator=generator, device=device)
