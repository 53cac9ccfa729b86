"""Running a fully convolutional network on a large image tile by tile, without seams.

Each tile is enlarged by `margin` input pixels on every side (clipped at the image border),
processed, and only the output of its core is kept. When `margin` is at least the network's
receptive radius, every kept output pixel saw exactly the input it would have seen in a
whole-image pass (at the image border the tile's zero padding is the image's), so the
result equals whole-image inference up to float rounding.
"""

from __future__ import annotations

from typing import Callable

import torch


def tiled(function: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor, scale: int = 1,
          tile: int = 256, margin: int = 16) -> torch.Tensor:
    """function applied to (B, C, H, W) `image` in tiles of tile x tile input pixels.

    `function` maps (B, C, h, w) -> (B, C', scale h, scale w). Returns (B, C', scale H, scale W).
    """
    height, width = image.shape[-2:]
    if height <= tile and width <= tile:
        return function(image)
    output = None
    for top in range(0, height, tile):
        for left in range(0, width, tile):
            bottom, right = min(top + tile, height), min(left + tile, width)
            top_in, left_in = max(top - margin, 0), max(left - margin, 0)
            bottom_in, right_in = min(bottom + margin, height), min(right + margin, width)
            result = function(image[..., top_in:bottom_in, left_in:right_in])
            if output is None:
                output = result.new_zeros(*result.shape[:-2], height * scale, width * scale)
            row, col = (top - top_in) * scale, (left - left_in) * scale
            output[..., top * scale:bottom * scale, left * scale:right * scale] = \
                result[..., row:row + (bottom - top) * scale, col:col + (right - left) * scale]
    return output
