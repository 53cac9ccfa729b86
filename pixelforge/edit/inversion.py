"""GAN inversion by optimization: find the latent whose image matches a given one.

z* = argmin_z  mean((G(z) - x)²) + latent_weight · ||z||² / latent_dim

optimized with Adam on z alone (the model's weights are frozen and it stays in eval mode),
from `restarts` random starting points per image, keeping each image's best (Zhu et al. 2016,
"Generative Visual Manipulation on the Natural Image Manifold", sec. 3; the cosine ramp-down of
the step size follows the StyleGAN2 projector, Karras et al. 2020). The prior penalty keeps z
where N(0, I) has mass, at a small cost in pixel fit. Works for VAE decoders too.

With a `known` mask the squared error is averaged over the known pixels only, and the decoded
image fills the others: inpainting by inversion (Yeh et al. 2017, "Semantic Image Inpainting with
Deep Generative Models", with their contextual loss as a plain masked MSE and no perceptual term).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math

import torch
from torch import Tensor, nn

from ..errors import ConfigError, DataError
from ..runtime import make_generator
from .latent import apply_attribute
from .space import check_images, check_latent_model, decode, random_latents


@dataclasses.dataclass(frozen=True)
class InversionResult:
    latents: Tensor          # (N, D): the best latent found for each image
    reconstructions: Tensor  # (N, C, S, S) in [-1, 1]: decode(latents)
    mse: Tensor              # (N,): mean squared pixel error of each reconstruction, on the [-1, 1] scale
    loss: Tensor             # (N,): the minimized objective (mse + latent penalty)

    @property
    def psnr(self) -> Tensor:
        """(N,) dB; the [-1, 1] range is 2 wide, so 10·log10(2² / mse) (same as on the 0..255 scale)."""
        return 10 * torch.log10(4.0 / self.mse.clamp_min(1e-12))


@contextlib.contextmanager
def frozen(model: nn.Module):
    """`model` in eval mode with requires_grad False on every parameter; both restored on exit."""
    was_training = model.training
    flags = [(parameter, parameter.requires_grad) for parameter in model.parameters()]
    model.eval()
    for parameter, _ in flags:
        parameter.requires_grad_(False)
    try:
        yield model
    finally:
        for parameter, flag in flags:
            parameter.requires_grad_(flag)
        model.train(was_training)


def _check_options(model: nn.Module, steps: int, lr: float, restarts: int, latent_weight: float,
                   y: Tensor | int | None) -> None:
    if steps < 1 or restarts < 1:
        raise ConfigError(f"steps={steps}, restarts={restarts}: expected positive integers")
    if not lr > 0 or not latent_weight >= 0:
        raise ConfigError(f"lr={lr}, latent_weight={latent_weight}: expected lr > 0 and latent_weight >= 0")
    if model.config.num_classes and y is None:
        raise ConfigError(f"the model is class-conditional ({model.config.num_classes} classes): pass the class "
                          f"of the images (y) to invert them")


def _objective(model: nn.Module, z: Tensor, images: Tensor, y, latent_weight: float,
               known: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """(per-image objective (N,), per-image mse (N,)) of latents z against images; with `known`
    (N, 1, S, S) float 0/1, the mse is over the known pixels only."""
    squared = (decode(model, z, y) - images).pow(2)
    if known is None:
        mse = squared.flatten(1).mean(dim=1)
    else:
        weight = known.expand_as(squared)
        mse = (squared * weight).flatten(1).sum(dim=1) / weight.flatten(1).sum(dim=1).clamp_min(1)
    return mse + latent_weight * z.pow(2).mean(dim=1), mse


def _optimize(model: nn.Module, z: Tensor, images: Tensor, y, steps: int, lr: float,
              latent_weight: float, known: Tensor | None = None) -> Tensor:
    """Run Adam on z (N, D) for `steps` steps with a cosine ramp-down of the step size; the final z."""
    z = z.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=lr)
    for step in range(steps):
        for group in optimizer.param_groups:
            group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        optimizer.zero_grad(set_to_none=True)
        objective, _ = _objective(model, z, images, y, latent_weight, known)
        objective.sum().backward()  # images are independent in eval mode: each z_i gets its own gradient
        optimizer.step()
    return z.detach()


def _known_weights(known: Tensor | None, images: Tensor) -> Tensor | None:
    """`known` (S, S), (1, S, S) or (N, 1, S, S) bool -> float (N, 1, S, S) on the images' device."""
    if known is None:
        return None
    known = torch.as_tensor(known)
    shape = tuple(known.shape)
    while known.ndim < 4:
        known = known[None]
    size = tuple(images.shape[-2:])
    if known.dtype != torch.bool or known.shape[1] != 1 or tuple(known.shape[-2:]) != size \
            or known.shape[0] not in (1, images.shape[0]):
        raise DataError(f"known mask of shape {shape} and dtype {known.dtype}: expected a bool mask (S, S) or "
                        f"(N, 1, S, S) of the images' {size[0]}x{size[1]} pixels, True = known")
    if not bool(known.any()):
        raise DataError("the known mask marks no pixel: there is nothing to match")
    return known.expand(images.shape[0], -1, -1, -1).to(images.device, images.dtype)


def invert(model: nn.Module, images: Tensor, y: Tensor | int | None = None, steps: int = 300, lr: float = 0.1,
           seed: int = 0, restarts: int = 2, latent_weight: float = 1e-3, known: Tensor | None = None
           ) -> InversionResult:
    """Latents whose images best match `images` (C, S, S) or (N, C, S, S), floats in [-1, 1].

    Each restart starts every image from a fresh draw of the model's prior (make_generator(seed));
    the images are optimized together, and each keeps the restart with the lowest objective.
    Conditional models need the class `y` (one, or one per image). The result is the same for
    the same seed. Raises DataError for images of the wrong shape or range. `known`: bool (S, S) or
    (N, 1, S, S), True where a pixel is to be matched; the others are ignored (then `mse` is over
    the known pixels, and the reconstructions fill the rest: inpainting).
    """
    check_latent_model(model)
    _check_options(model, steps, lr, restarts, latent_weight, y)
    images = check_images(model, images)
    weights = _known_weights(known, images)
    generator = make_generator(seed, model.device)
    best_z, best_loss = None, None
    with frozen(model), torch.enable_grad():
        for _ in range(restarts):
            start = random_latents(model, images.shape[0], generator)
            z = _optimize(model, start, images, y, steps, lr, latent_weight, weights)
            with torch.no_grad():
                loss, _ = _objective(model, z, images, y, latent_weight, weights)
            if best_z is None:
                best_z, best_loss = z, loss
            else:
                better = loss < best_loss
                best_z, best_loss = torch.where(better[:, None], z, best_z), torch.minimum(loss, best_loss)
        with torch.no_grad():
            reconstructions = decode(model, best_z, y)
            loss, mse = _objective(model, best_z, images, y, latent_weight, weights)
    return InversionResult(best_z, reconstructions, mse, loss)


def edit_image(model: nn.Module, images: Tensor, vector: Tensor, strengths: list[float] | Tensor,
               y: Tensor | int | None = None, **invert_options) -> tuple[Tensor, InversionResult]:
    """Edit real images through the latent space: invert them, then move along `vector`.

    Returns (edited images (N·S, C, S, S): one row per image, one column per strength, save with
    nrow=len(strengths); the InversionResult, whose mse says how faithful the starting point is).
    A strength of 0 gives the reconstruction. `invert_options` go to `invert`.
    """
    result = invert(model, images, y=y, **invert_options)
    return apply_attribute(model, result.latents, vector, strengths, y=y), result
