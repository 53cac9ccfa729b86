"""Per-pixel negative log-likelihood maps of likelihood models: which pixels the model finds surprising."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..errors import ConfigError
from .targets import check_images, evaluation_mode


def check_pixel_likelihood(model: nn.Module) -> None:
    """Raise ConfigError unless `model` has `pixel_log_prob(x)`."""
    if not callable(getattr(model, "pixel_log_prob", None)):
        name = getattr(model, "registered_name", "") or type(model).__name__
        raise ConfigError(f"{name!r} has no per-pixel likelihood; autoregressive models have one "
                          f"(a pixel_log_prob method)")


def pixel_nll_map(model: nn.Module, images: Tensor, y: Tensor | None = None, **options) -> Tensor:
    """-log p per pixel in nats, summed over channels: (B, H, W) for images (B, C, H, W) in [-1, 1].

    Calls `model.pixel_log_prob(images, **options)` (plus `y=y` when labels are
    given), which returns (B, C, H, W) log-probabilities in nats. For an
    autoregressive model these are the exact conditionals log p(x_i | x_<i), so
    the map sums to -log p(x); for the VAE it is the reconstruction term at the
    posterior mean (see VAE.pixel_log_prob), not a marginal likelihood.
    Images must be what the model expects (binarized for a Bernoulli decoder).
    """
    check_pixel_likelihood(model)
    check_images(images)
    if y is not None:
        options["y"] = y
    with evaluation_mode(model), torch.no_grad():
        log_prob = model.pixel_log_prob(images, **options)
    if log_prob.shape != images.shape:
        raise ConfigError(f"{type(model).__name__}.pixel_log_prob gave shape {tuple(log_prob.shape)}; "
                          f"expected the images' shape {tuple(images.shape)}")
    return -log_prob.sum(dim=1)
