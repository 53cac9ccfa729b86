"""GAN losses on discriminator outputs (logits / critic values), and the WGAN-GP gradient penalty."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


def discriminator_loss(kind: str, real: Tensor, fake: Tensor) -> Tensor:
    """The discriminator's loss given its outputs on a real and a fake batch (B,)."""
    if kind == "nonsaturating":  # -log D(x) - log(1 - D(G(z)))
        return F.softplus(-real).mean() + F.softplus(fake).mean()
    if kind == "wasserstein":    # the critic maximizes E[D(x)] - E[D(G(z))]
        return fake.mean() - real.mean()
    if kind == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    raise ValueError(f"unknown GAN loss {kind!r}")


def generator_loss(kind: str, fake: Tensor) -> Tensor:
    """The generator's loss given the discriminator's outputs on its fakes (B,)."""
    if kind == "nonsaturating":  # -log D(G(z)), the non-saturating form of Goodfellow et al. 2014
        return F.softplus(-fake).mean()
    return -fake.mean()          # wasserstein and hinge


def gradient_penalty(critic: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                     generator: torch.Generator | None = None) -> Tensor:
    """E[(||∇D(x̂)||₂ - 1)²] at x̂ = a·real + (1 - a)·fake, a ~ U(0, 1) per image (Gulrajani et al. 2017)."""
    weights = torch.rand((real.shape[0], 1, 1, 1), generator=generator, device=real.device, dtype=real.dtype)
    mixed = (weights * real.detach() + (1 - weights) * fake.detach()).requires_grad_(True)
    outputs = critic(mixed)
    (gradients,) = torch.autograd.grad(outputs.sum(), mixed, create_graph=True)
    norms = gradients.flatten(1).norm(2, dim=1)
    return ((norms - 1) ** 2).mean()
