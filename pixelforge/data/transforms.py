"""Whole-dataset pixel transforms: resize + center-crop, gray <-> RGB, binarization."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import ConfigError
from ..runtime import make_generator

# Images are processed in blocks so that a 60,000-image set never needs a float copy of itself.
_BLOCK = 2048

FIXED_BINARIZATION_PROTOCOL = (
    "fixed binarization: u ~ Uniform[0, 1) drawn as torch.rand(x.shape) on the CPU from a "
    "torch.Generator seeded with `seed` (default 0); a pixel becomes 1 where u < (x + 1) / 2 and -1 "
    "otherwise. The draw depends on the whole tensor's shape, so binarize a split once, all images "
    "in their stored order, and index the result; the same split and seed always give the same "
    "images. This is one Bernoulli sample per pixel, drawn once (the 'fixed' protocol); it is not "
    "the specific binarized MNIST file of Larochelle & Murray (2011)."
)


def check_image_size(image_size: int | None) -> None:
    if image_size is not None and (not isinstance(image_size, int) or image_size < 1):
        raise ConfigError(f"image_size={image_size!r}: expected None or a positive integer")


def resize_and_center_crop(images: torch.Tensor, image_size: int) -> torch.Tensor:
    """uint8 (N, C, H, W) -> uint8 (N, C, image_size, image_size).

    The shorter side is scaled to `image_size` with antialiased bicubic
    interpolation, then the centre square is cut out.
    """
    count, channels, height, width = images.shape
    if height == width == image_size:
        return images
    scale = image_size / min(height, width)
    new_height = max(image_size, round(height * scale))
    new_width = max(image_size, round(width * scale))
    top, left = (new_height - image_size) // 2, (new_width - image_size) // 2
    output = torch.empty((count, channels, image_size, image_size), dtype=torch.uint8)
    for start in range(0, count, _BLOCK):
        block = images[start:start + _BLOCK].to(torch.float32)
        if (new_height, new_width) != (height, width):
            block = F.interpolate(block, size=(new_height, new_width), mode="bicubic",
                                  align_corners=False, antialias=True)
        block = block[:, :, top:top + image_size, left:left + image_size]
        output[start:start + _BLOCK] = block.round().clamp(0, 255).to(torch.uint8)
    return output


def convert_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """uint8 (N, C, H, W) with C in (1, 3) -> uint8 (N, channels, H, W).

    Gray -> RGB repeats the channel; RGB -> gray is ITU-R 601-2 luma in the
    integer form Pillow uses, so it matches Image.convert("L") exactly.
    """
    if channels not in (1, 3):
        raise ConfigError(f"channels={channels!r}: expected 1 (gray) or 3 (RGB)")
    if images.shape[1] == channels:
        return images
    if channels == 3:
        return images.expand(-1, 3, -1, -1).contiguous()
    output = torch.empty((images.shape[0], 1, *images.shape[2:]), dtype=torch.uint8)
    for start in range(0, images.shape[0], _BLOCK):
        rgb = images[start:start + _BLOCK].to(torch.int32)
        luma = (rgb[:, 0:1] * 19595 + rgb[:, 1:2] * 38470 + rgb[:, 2:3] * 7471 + 0x8000) >> 16
        output[start:start + _BLOCK] = luma.to(torch.uint8)
    return output


def binarize_dynamic(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A fresh binarization of images `x` in [-1, 1]: each pixel is 1 with probability (x + 1) / 2, else -1.

    Returns a float tensor of x's shape, dtype and device with values in {-1, 1}.
    The uniforms are drawn on `generator`'s device, so one seed gives the same
    result wherever x lives.
    """
    uniforms = torch.rand(x.shape, generator=generator, device=generator.device).to(x.device)
    probability = ((x + 1) / 2).clamp(0, 1)
    return torch.where(uniforms < probability, 1.0, -1.0).to(x.dtype)


def binarize_fixed(x: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """One fixed binarization of images `x` in [-1, 1]: same input and seed, same output, every call.

    Returns a float tensor of x's shape with values in {-1, 1}; the protocol is
    FIXED_BINARIZATION_PROTOCOL (call it once on a whole split, then index).
    """
    return binarize_dynamic(x, make_generator(seed, "cpu"))
