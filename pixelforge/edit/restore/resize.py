"""MATLAB-compatible bicubic `imresize`, the resize every super-resolution paper uses.

MATLAB's `imresize(x, scale, 'bicubic')` (Keys 1981 cubic, a = -0.5) maps output pixel
i (1-based) to input position u = i / scale + 0.5 (1 - 1 / scale). When downscaling
(scale < 1) it antialiases: the kernel is stretched to h(x) = scale * cubic(scale * x), so
its support grows from 4 to 4 / scale input pixels. Each output pixel takes the
ceil(support) + 2 input pixels from floor(u - support / 2) on, with weights h(u - j)
normalised to sum to 1; indices outside the image are mirrored (symmetric padding,
[1 .. n, n .. 1]). The output size is ceil(scale * n). MATLAB resizes the dimension with
the smaller scale first (height first on a tie) and, for uint8 images, rounds the result
and clips it to 0..255 (`quantize` here).

Here a resize along one axis is a product with a dense (out, in) weight matrix, so a
whole image is two matrix products and the operation is differentiable.
"""

from __future__ import annotations

import math

import torch

from ...errors import ConfigError


def cubic(x: torch.Tensor) -> torch.Tensor:
    """Keys' cubic convolution kernel with a = -0.5 (MATLAB's 'bicubic')."""
    ax = x.abs()
    ax2, ax3 = ax ** 2, ax ** 3
    inner = (1.5 * ax3 - 2.5 * ax2 + 1) * (ax <= 1)
    outer = (-0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2))
    return inner + outer


def resize_matrix(in_length: int, out_length: int, scale: float, antialias: bool = True) -> torch.Tensor:
    """The (out_length, in_length) float64 matrix W with resized = W @ signal (MATLAB's contributions)."""
    if in_length < 1 or out_length < 1 or scale <= 0:
        raise ConfigError(f"resize from {in_length} to {out_length} pixels at scale {scale}: expected positive sizes")
    shrink = scale < 1 and antialias
    support = 4.0 / scale if shrink else 4.0
    positions = torch.arange(1, out_length + 1, dtype=torch.float64) / scale + 0.5 * (1 - 1 / scale)
    left = torch.floor(positions - support / 2)
    taps = math.ceil(support) + 2
    indices = left[:, None] + torch.arange(taps, dtype=torch.float64)[None]  # (out, taps), 1-based
    distance = positions[:, None] - indices
    weights = scale * cubic(scale * distance) if shrink else cubic(distance)
    weights = weights / weights.sum(dim=1, keepdim=True)
    mirror = torch.cat([torch.arange(in_length), torch.arange(in_length - 1, -1, -1)])  # symmetric padding
    columns = mirror[(indices.long() - 1) % (2 * in_length)]
    matrix = torch.zeros(out_length, in_length, dtype=torch.float64)
    matrix.scatter_add_(1, columns, weights)
    return matrix


def output_size(height: int, width: int, scale: float) -> tuple[int, int]:
    """MATLAB's output size for a scale factor: ceil(scale * size) per dimension."""
    # round first so that 3 * (1/3) gives 1, not 1.0000000000000002 -> 2
    return (math.ceil(round(scale * height, 9)), math.ceil(round(scale * width, 9)))


def imresize(image: torch.Tensor, scale: float, antialias: bool = True) -> torch.Tensor:
    """Resize (..., H, W) float images by `scale` exactly as MATLAB's imresize(x, scale, 'bicubic').

    Values are not rounded or clipped (call `quantize` for MATLAB's uint8 behaviour).
    Returns (..., ceil(scale H), ceil(scale W)) in the input's dtype.
    """
    if image.ndim < 2:
        raise ConfigError(f"image of shape {tuple(image.shape)}: expected (..., H, W)")
    height, width = image.shape[-2:]
    out_height, out_width = output_size(height, width, scale)
    rows = resize_matrix(height, out_height, scale, antialias).to(image.device, image.dtype)
    cols = resize_matrix(width, out_width, scale, antialias).to(image.device, image.dtype)
    # MATLAB order: the dimension with the smaller scale first; equal scales: height first.
    # Both scales are equal here, and the two products commute up to float rounding.
    return rows @ image @ cols.T


def quantize(image: torch.Tensor) -> torch.Tensor:
    """MATLAB's uint8 output for values on 0..255: round half away from zero, clip to 0..255."""
    return torch.clamp(torch.sign(image) * torch.floor(image.abs() + 0.5), 0, 255)


def modcrop(image: torch.Tensor, scale: int) -> torch.Tensor:
    """Crop (..., H, W) to the largest multiple of `scale` in each dimension (top-left kept)."""
    height, width = image.shape[-2:]
    return image[..., :height - height % scale, :width - width % scale]
