"""Differentiable augmentation (DiffAugment, Zhao et al. 2020) for data-efficient GAN training.

The same random transformations are applied to every image the discriminator sees, real and
fake, and they are differentiable so the generator is trained through them. Images are in
[-1, 1]; every draw comes from the caller's torch.Generator.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

POLICIES = ("color", "translation", "cutout")


def _uniform(shape: tuple[int, ...], x: Tensor, generator: torch.Generator | None) -> Tensor:
    return torch.rand(shape, generator=generator, device=x.device, dtype=x.dtype)


def color(x: Tensor, generator: torch.Generator | None) -> Tensor:
    """Random brightness (±0.5), saturation (×0..2) and contrast (×0.5..1.5) per image."""
    batch = x.shape[0]
    x = x + (_uniform((batch, 1, 1, 1), x, generator) - 0.5)
    if x.shape[1] > 1:
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (_uniform((batch, 1, 1, 1), x, generator) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform((batch, 1, 1, 1), x, generator) + 0.5) + mean


def translation(x: Tensor, generator: torch.Generator | None, ratio: float = 0.125) -> Tensor:
    """Shift each image by up to `ratio` of its size in x and y, filling with zeros (mid-gray)."""
    batch, _, height, width = x.shape
    pad_y, pad_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    shift_y = torch.randint(-pad_y, pad_y + 1, (batch, 1, 1), generator=generator, device=x.device)
    shift_x = torch.randint(-pad_x, pad_x + 1, (batch, 1, 1), generator=generator, device=x.device)
    rows = torch.arange(height, device=x.device)[None, :, None] + shift_y + pad_y
    cols = torch.arange(width, device=x.device)[None, None, :] + shift_x + pad_x
    padded = F.pad(x, (pad_x, pad_x, pad_y, pad_y))
    index = torch.arange(batch, device=x.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[index, rows, cols].permute(0, 3, 1, 2)


def cutout(x: Tensor, generator: torch.Generator | None, ratio: float = 0.5) -> Tensor:
    """Set one square of `ratio` of the image size, at a random place, to zero (mid-gray) per image."""
    batch, _, height, width = x.shape
    size_y, size_x = int(height * ratio + 0.5), int(width * ratio + 0.5)
    top = torch.randint(0, height - size_y + 1, (batch, 1, 1), generator=generator, device=x.device)
    left = torch.randint(0, width - size_x + 1, (batch, 1, 1), generator=generator, device=x.device)
    rows = torch.arange(height, device=x.device)[None, :, None]
    cols = torch.arange(width, device=x.device)[None, None, :]
    inside = (rows >= top) & (rows < top + size_y) & (cols >= left) & (cols < left + size_x)
    return x * (~inside)[:, None].to(x.dtype)


_FUNCTIONS = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x: Tensor, policies: tuple[str, ...], generator: torch.Generator | None = None) -> Tensor:
    """Apply each policy in `policies` (a subset of POLICIES, in order) to a batch (B, C, H, W)."""
    for policy in policies:
        x = _FUNCTIONS[policy](x, generator)
    return x
