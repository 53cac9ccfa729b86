"""The latent space of a model, seen the same way for GANs and VAE decoders.

A GAN maps z (N, latent_dim) to images with `generate(z, y)`; a VAE's decoder does with
`decode(z, y)` (the mean image). These helpers pick the right one, draw starting latents
from the model's prior, and check images against the model's shape, so the editing
functions in this package work on either family.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..errors import ConfigError, DataError

RANGE_SLACK = 1e-3  # images may exceed [-1, 1] by this much (rounding in a caller's conversion)


def check_latent_model(model: nn.Module) -> None:
    """Raise ConfigError unless `model` maps latents to images (a GAN generator or a VAE decoder)."""
    if not (callable(getattr(model, "generate", None)) or callable(getattr(model, "decode", None))):
        name = getattr(model, "registered_name", "") or type(model).__name__
        raise ConfigError(f"model {name!r} has no latent space to edit: expected a GAN (generate) "
                          f"or a VAE (decode)")


def latent_size(model: nn.Module) -> int:
    """The length of one latent vector."""
    check_latent_model(model)
    return int(model.config.latent_dim)


def class_labels(model: nn.Module, num_samples: int, y: Tensor | int | None) -> Tensor | None:
    """Labels (N,) for a conditional model: `y` (an int repeated, or a tensor), else classes 0, 1, ... cycled.

    None for an unconditional model; a label given to one raises ConfigError, as does a label
    outside [0, num_classes).
    """
    num_classes = model.config.num_classes
    if not num_classes:
        if y is not None:
            raise ConfigError("the model is unconditional: it takes no class label")
        return None
    if y is None:
        return torch.arange(num_samples, device=model.device) % num_classes
    labels = torch.as_tensor(y, device=model.device).long().reshape(-1)
    if labels.numel() == 1:
        labels = labels.expand(num_samples)
    if labels.numel() != num_samples:
        raise ConfigError(f"{labels.numel()} labels for {num_samples} latents: expected one label or one each")
    if int(labels.min()) < 0 or int(labels.max()) >= num_classes:
        raise ConfigError(f"labels {int(labels.min())}..{int(labels.max())}: the model has classes "
                          f"0..{num_classes - 1}")
    return labels


def random_latents(model: nn.Module, num_samples: int, generator: torch.Generator | None) -> Tensor:
    """Draws from the model's prior (N, latent_dim): a GAN's `latents` (its truncation), else N(0, I)."""
    if callable(getattr(model, "latents", None)):
        return model.latents(num_samples, generator)
    return torch.randn((num_samples, latent_size(model)), generator=generator, device=model.device)


def decode(model: nn.Module, z: Tensor, y: Tensor | int | None = None) -> Tensor:
    """Images (N, C, S, S) in [-1, 1] for latents z (N, latent_dim); differentiable with respect to z."""
    check_latent_model(model)
    if z.ndim != 2 or z.shape[1] != latent_size(model):
        raise ConfigError(f"latents of shape {tuple(z.shape)}: expected (N, {latent_size(model)})")
    labels = class_labels(model, z.shape[0], y)
    if callable(getattr(model, "generate", None)):
        return model.generate(z, labels)
    return model.decode(z, labels)


def check_images(model: nn.Module, images: Tensor) -> Tensor:
    """`images` (C, S, S) or (N, C, S, S) as a float batch on the model's device; DataError when the
    shape does not match the model's channels and size or the values are not in [-1, 1]."""
    spec = model.config
    expected = (spec.channels, spec.image_size, spec.image_size)
    if not isinstance(images, Tensor) or not images.is_floating_point():
        raise DataError(f"images: expected a float tensor in [-1, 1], got {type(images).__name__}"
                        f"{'' if not isinstance(images, Tensor) else ' of ' + str(images.dtype)}")
    batch = images[None] if images.ndim == 3 else images
    if batch.ndim != 4 or tuple(batch.shape[1:]) != expected:
        raise DataError(f"images of shape {tuple(images.shape)}: the model expects (N, {expected[0]}, "
                        f"{expected[1]}, {expected[2]}) ({expected[0]} channel{'s' if expected[0] > 1 else ''}, "
                        f"{expected[1]}x{expected[2]})")
    if batch.shape[0] == 0:
        raise DataError("images: expected at least one image, got an empty batch")
    low, high = float(batch.min()), float(batch.max())
    if not (low >= -1 - RANGE_SLACK and high <= 1 + RANGE_SLACK):
        raise DataError(f"image values span [{low:.4g}, {high:.4g}]: expected [-1, 1] "
                        f"(pixelforge.images.to_float converts uint8 pixels)")
    return batch.to(device=model.device, dtype=torch.float32)
