"""The variational bound on -log p(x_0) in nats per image (Ho et al. 2020, eq. 5):

    L = L_T + sum_{t=2..T} L_{t-1} + L_0
    L_T     = KL(q(x_T | x_0) || N(0, I))                                   (no parameters)
    L_{t-1} = KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t)),  x_t ~ q(x_t | x_0)   (one draw per term)
    L_0     = -log p(x_0 | x_1): the model's mean x0_hat(x_1) under a Gaussian of the step's variance,
              discretized to the 256 8-bit bins of [-1, 1] (eq. 13)
In code the paper's t = 1..T is index 0..T-1. With `timesteps` = K < T - 1 the middle sum is the
stratified estimate sum_k |stratum_k|·L(t_k), one t_k drawn per stratum and image: unbiased, not exact.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor

from ..likelihoods import discretized_gaussian_log_prob
from .process import Denoiser, at, posterior, q_mean_variance, q_sample


@dataclasses.dataclass
class BoundTerms:
    """Each term per image (B,), in nats; `total` is the bound on -log p(x_0)."""

    prior: Tensor
    transitions: Tensor
    decoder: Tensor

    @property
    def total(self) -> Tensor:
        return self.prior + self.transitions + self.decoder


def gaussian_kl(mean1: Tensor, variance1: Tensor, mean2: Tensor, variance2: Tensor) -> Tensor:
    """KL(N(mean1, variance1) || N(mean2, variance2)) element-wise (broadcasting), in nats."""
    return 0.5 * (torch.log(variance2 / variance1) + (variance1 + (mean1 - mean2) ** 2) / variance2 - 1)


def prior_term(alpha_bar: Tensor, x0: Tensor) -> Tensor:
    """L_T per image (B,): KL(q(x_T | x_0) || N(0, I))."""
    last = torch.full((x0.shape[0],), len(alpha_bar) - 1, device=x0.device, dtype=torch.long)
    mean, variance = q_mean_variance(alpha_bar, x0.double(), last)
    return gaussian_kl(mean, variance, torch.zeros_like(mean), torch.ones_like(variance)).flatten(1).sum(1)


def _model_mean(denoise: Denoiser, alpha_bar: Tensor, x0: Tensor, t: Tensor,
                generator: torch.Generator | None) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """A draw x_t ~ q(x_t | x_0) at timesteps t (B,) and the model's mean of x_{t-1} given it, with
    ab_t and ab_{t-1} as (B, 1, 1, 1) (ab_{-1} = 1); all float64."""
    noise = torch.randn(x0.shape, generator=generator, device=x0.device, dtype=x0.dtype)
    x_t = q_sample(alpha_bar, x0, t, noise)
    x0_hat, _ = denoise(x_t, t)
    x0_hat = x0_hat.clamp(-1, 1).double()  # as in sampling: a function of x_t, so still a valid bound
    ab_t = at(alpha_bar, t, x_t.double())
    previous = alpha_bar.to(x0.device)[(t - 1).clamp(min=0)]
    ab_s = torch.where(t > 0, previous, torch.ones_like(previous)).view_as(ab_t)
    mean, _ = posterior(ab_t, ab_s, x0_hat, x_t.double())
    return x_t.double(), mean, ab_t, ab_s


def transition_term(denoise: Denoiser, alpha_bar: Tensor, model_variance: Tensor, x0: Tensor, t: Tensor,
                    generator: torch.Generator | None) -> Tensor:
    """L_{t-1} per image (B,) at timesteps t (B,) >= 1, with one draw x_t ~ q(x_t | x_0) each."""
    x_t, model_mean, ab_t, ab_s = _model_mean(denoise, alpha_bar, x0, t, generator)
    true_mean, true_variance = posterior(ab_t, ab_s, x0.double(), x_t)
    variance = at(model_variance, t, x_t)
    return gaussian_kl(true_mean, true_variance, model_mean, variance).flatten(1).sum(1).to(x0.dtype)


def decoder_term(denoise: Denoiser, alpha_bar: Tensor, model_variance: Tensor, x0: Tensor,
                 generator: torch.Generator | None) -> Tensor:
    """L_0 per image (B,): -log of the 8-bit bin of x_0 under N(x0_hat(x_1), the variance at index 0)."""
    t = torch.zeros(x0.shape[0], device=x0.device, dtype=torch.long)
    _, model_mean, _, _ = _model_mean(denoise, alpha_bar, x0, t, generator)
    log_scale = (0.5 * torch.log(model_variance[0])).to(x0.device, x0.dtype).expand_as(x0)
    return -discretized_gaussian_log_prob(model_mean.to(x0.dtype), log_scale, x0).flatten(1).sum(1)


def stratified_timesteps(num_timesteps: int, count: int, batch: int, generator: torch.Generator | None,
                         device: torch.device | str = "cpu") -> list[tuple[Tensor, int]]:
    """(t (B,), weight) pairs covering indices 1..T-1: every index with weight 1 when count is 0 or
    >= T-1, else `count` near-equal strata, each with its own uniform draw of t per image, weighted
    by the stratum's size."""
    if count <= 0 or count >= num_timesteps - 1:
        return [(torch.full((batch,), t, device=device, dtype=torch.long), 1) for t in range(1, num_timesteps)]
    edges = torch.linspace(1, num_timesteps, count + 1).round().long().tolist()
    pairs = []
    for low, high in zip(edges[:-1], edges[1:]):
        offset = torch.randint(0, high - low, (batch,), generator=generator, device=device)
        pairs.append((low + offset, high - low))
    return pairs


@torch.no_grad()
def variational_bound(denoise: Denoiser, alpha_bar: Tensor, model_variance: Tensor, x0: Tensor,
                      generator: torch.Generator | None = None, timesteps: int = 0) -> BoundTerms:
    """The bound's terms for images x0 (B, C, H, W) on the 8-bit grid of [-1, 1].

    `alpha_bar` and `model_variance` are (T,) tables (the variance of p(x_{t-1} | x_t) at each index);
    `timesteps` as in the module docstring (0: every one of the T - 1 KL terms).
    """
    transitions = torch.zeros(x0.shape[0], device=x0.device, dtype=x0.dtype)
    for t, weight in stratified_timesteps(len(alpha_bar), timesteps, x0.shape[0], generator, x0.device):
        transitions = transitions + weight * transition_term(denoise, alpha_bar, model_variance, x0, t, generator)
    decoder = decoder_term(denoise, alpha_bar, model_variance, x0, generator)
    return BoundTerms(prior_term(alpha_bar, x0).to(x0.dtype), transitions, decoder)
