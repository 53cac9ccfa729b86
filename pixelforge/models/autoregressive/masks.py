"""Masked convolutions (van den Oord et al. 2016a, sec. 3.4) with R→G→B channel groups.

Pixels are ordered in raster order and, within a pixel, channel by channel. Feature
maps are split into one group per colour channel, interleaved: feature k belongs to
group k % groups (so an image's channel c is group c). At the centre tap, mask A
connects an output of group g only to inputs of groups < g (the first layer: a pixel
never sees itself), mask B to groups <= g (later layers). Taps before the centre in
raster order are open, taps after it closed.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def raster_mask(out_channels: int, in_channels: int, kernel: tuple[int, int], mask_type: str,
                groups: int) -> Tensor:
    """(out, in, kh, kw) 0/1 mask of a causal convolution centred at (kh // 2, kw // 2)."""
    kh, kw = kernel
    mask = torch.zeros(out_channels, in_channels, kh, kw)
    centre_row, centre_col = kh // 2, kw // 2
    mask[:, :, :centre_row, :] = 1
    mask[:, :, centre_row, :centre_col] = 1
    out_group = torch.arange(out_channels)[:, None] % groups
    in_group = torch.arange(in_channels)[None, :] % groups
    centre = out_group > in_group if mask_type == "A" else out_group >= in_group
    mask[:, :, centre_row, centre_col] = centre.float()
    return mask


def vertical_mask(out_channels: int, in_channels: int, kernel: tuple[int, int], include_centre_row: bool) -> Tensor:
    """Gated PixelCNN's vertical stack (van den Oord et al. 2016b, fig. 1): the rows above the centre,
    every column; the centre row too for layers whose input already comes from rows above only."""
    kh, kw = kernel
    mask = torch.zeros(out_channels, in_channels, kh, kw)
    mask[:, :, :kh // 2 + (1 if include_centre_row else 0), :] = 1
    return mask


class MaskedConv2d(nn.Conv2d):
    """A 'same'-padded convolution whose weight is multiplied by a fixed 0/1 mask."""

    def __init__(self, in_channels: int, out_channels: int, kernel: tuple[int, int], mask: Tensor) -> None:
        super().__init__(in_channels, out_channels, kernel, padding=(kernel[0] // 2, kernel[1] // 2))
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


def raster_conv(in_channels: int, out_channels: int, kernel: int | tuple[int, int], mask_type: str,
                groups: int) -> MaskedConv2d:
    """A mask-A or mask-B convolution; `groups` is the number of colour channels (1 for gray)."""
    kernel = (kernel, kernel) if isinstance(kernel, int) else kernel
    return MaskedConv2d(in_channels, out_channels, kernel,
                        raster_mask(out_channels, in_channels, kernel, mask_type, groups))


class OutputLayers(nn.Sequential):
    """ReLU, 1×1 mask B, ReLU, 1×1 mask B: features (B, F, H, W) -> head input (B, P·C, H, W)."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, groups: int) -> None:
        hidden = hidden + (-hidden) % groups  # a whole number of features per colour group
        super().__init__(nn.ReLU(), raster_conv(in_channels, hidden, 1, "B", groups),
                         nn.ReLU(), raster_conv(hidden, out_channels, 1, "B", groups))
