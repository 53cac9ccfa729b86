"""Automatic colorization: a network predicts chroma (Lab ab); lightness comes from the input."""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from ...errors import ConfigError, DataError
from ...models.colorizer import Colorizer, ColorizerConfig
from ...models.pretrained import load_pretrained
from .lab import lab_to_rgb, rgb_to_lab

WEIGHTS = Path(__file__).resolve().parents[2] / "weights"
SHIPPED_COLORIZER = "colorize_cifar_t91"
KIND = "colorizer"
# The network was trained on 32-px CIFAR images and T91 crops at 1/4 to 1/2 scale: whole objects
# span tens of pixels. Chroma is smooth, so it is predicted at a working size and upsampled.
# 24 px (short side) was the best of 16..192 on Kodak24, a validation set that is neither trained
# on nor the CBSD68 test set (benchmarks/colorize.py validate; colorize_working_size.json):
# larger sizes show the network objects far bigger than in training, and it paints confident
# wrong colours (128 px: 21.8 dB, below the gray copy's 22.7).
WORKING_SIZE = 24


def load_colorizer(name_or_folder: str | Path = SHIPPED_COLORIZER) -> Colorizer:
    """A shipped colorizer by name (see pixelforge/weights/colorize_*) or a weights folder."""
    folder = Path(name_or_folder)
    if not folder.is_dir():
        shipped = WEIGHTS / str(name_or_folder)
        if not shipped.is_dir():
            names = sorted(p.name for p in WEIGHTS.glob("colorize_*"))
            raise ConfigError(f"colorizer {name_or_folder!r}: no such folder or shipped name; shipped: {names}")
        folder = shipped
    return load_pretrained(folder, KIND, lambda kind, config: Colorizer(ColorizerConfig(**config)))


def to_lightness(image: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) in [-1, 1], C = 1 (gray) or 3 (RGB) -> L (B, 1, H, W) in [0, 100].
    A gray value g is read as the RGB colour (g, g, g)."""
    if image.ndim != 4 or image.shape[1] not in (1, 3):
        raise DataError(f"image batch of shape {tuple(image.shape)}: expected (B, 1 or 3, H, W)")
    rgb = ((image.float() + 1) / 2).clamp(0, 1).expand(-1, 3, -1, -1)
    return rgb_to_lab(rgb)[:, :1]


@torch.no_grad()
def colorize(model: Colorizer, image: torch.Tensor, working_size: int | None = WORKING_SIZE) -> torch.Tensor:
    """Colorize (B, C, H, W) in [-1, 1] (C = 1 or 3; colour inputs are first reduced to their
    lightness) -> RGB (B, 3, H, W) in [-1, 1] whose Lab lightness is the input's (up to gamut
    clipping). `working_size`: the short side the network sees (None: full size)."""
    lightness = to_lightness(image)
    height, width = lightness.shape[-2:]
    small = lightness
    if working_size is not None and min(height, width) > working_size:
        scale = working_size / min(height, width)
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
        small = F.interpolate(lightness, size=size, mode="bilinear", antialias=True, align_corners=False)
    model.eval()
    ab = model(small)
    if ab.shape[-2:] != (height, width):
        ab = F.interpolate(ab, size=(height, width), mode="bilinear", align_corners=False)
    return lab_to_rgb(torch.cat([lightness, ab], dim=1)) * 2 - 1


def colorize_file(source: str | Path, destination: str | Path, model: str | Path = SHIPPED_COLORIZER) -> Path:
    """Colorize an image file (gray, RGB or RGBA; colour inputs lose their colour first, RGBA
    keeps its alpha) and save it as RGB(A)."""
    from ..style.files import read_with_alpha, save_with_alpha

    image, alpha = read_with_alpha(source)
    result = colorize(load_colorizer(model), image.unsqueeze(0))[0]
    return save_with_alpha(result, alpha, destination)
