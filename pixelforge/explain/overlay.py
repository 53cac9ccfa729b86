"""Colour a map (B, H, W) over its images, so explanations can be saved with save_image_grid."""

from __future__ import annotations

import torch
from torch import Tensor

from ..errors import ConfigError

# matplotlib's 'inferno' (van der Walt & Smith 2015) sampled at 0, 1/4, 1/2, 3/4 and 1 (RGB in [0, 1]),
# interpolated linearly between samples: dark (low) to bright (high), ordered in lightness, so it
# also reads in gray print.
INFERNO = torch.tensor([
    [0.001, 0.000, 0.014],
    [0.342, 0.062, 0.429],
    [0.736, 0.216, 0.330],
    [0.978, 0.558, 0.035],
    [0.988, 0.998, 0.645],
])


def colormap(values: Tensor) -> Tensor:
    """Values (...) in [0, 1] (clipped) -> RGB colours (..., 3) in [0, 1] from the INFERNO table."""
    table = INFERNO.to(device=values.device, dtype=values.dtype if values.is_floating_point() else torch.float32)
    position = values.clamp(0.0, 1.0) * (len(table) - 1)
    lower = position.floor().long().clamp(max=len(table) - 2)
    fraction = (position - lower).unsqueeze(-1)
    return table[lower] * (1 - fraction) + table[lower + 1] * fraction


def normalise_maps(maps: Tensor) -> Tensor:
    """Scale each map (B, H, W) to [0, 1] by its own minimum and maximum; a constant map becomes 0."""
    flat = maps.flatten(1)
    low = flat.amin(1)[:, None, None]
    span = (flat.amax(1) - flat.amin(1))[:, None, None]
    return torch.where(span > 0, (maps - low) / span.clamp(min=1e-12), torch.zeros_like(maps))


def heatmap_overlay(images: Tensor, maps: Tensor, alpha: float = 0.5, normalise: bool = True) -> Tensor:
    """Blend coloured maps over images: (B, 3, H, W) in [-1, 1].

    `images` (B, C, H, W) in [-1, 1] with C = 1 (shown as gray) or 3; `maps`
    (B, H, W), each scaled to [0, 1] by its own range when `normalise` (colours
    then compare pixels within an image, not across images), else clipped to
    [0, 1]. The result is (1 - alpha)·image + alpha·colour on the [0, 1] scale.
    """
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ConfigError(f"images of shape {tuple(images.shape)}: expected (B, C, H, W) with C = 1 or 3")
    if maps.shape != (images.shape[0], *images.shape[2:]):
        raise ConfigError(f"maps of shape {tuple(maps.shape)}: expected (B, H, W) = "
                          f"{(images.shape[0], *images.shape[2:])} to match the images")
    if not 0.0 <= alpha <= 1.0:
        raise ConfigError(f"alpha={alpha}: expected a number in [0, 1]")
    maps = maps.detach().to(images.device, torch.float32)
    colours = colormap(normalise_maps(maps) if normalise else maps).permute(0, 3, 1, 2)   # (B, 3, H, W)
    base = ((images.detach().float().expand(-1, 3, -1, -1) + 1) / 2).clamp(0.0, 1.0)
    return ((1 - alpha) * base + alpha * colours) * 2 - 1
