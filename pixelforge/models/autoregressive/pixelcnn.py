"""PixelCNN (van den Oord et al. 2016a) and Gated PixelCNN (van den Oord et al. 2016b) networks.

Both map images (B, C, H, W) in [-1, 1] to raw head outputs (B, R, H, W) whose value at
a pixel depends only on the pixels before it in raster order and, for colour, on the
same pixel's earlier channels (R → G → B).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .config import AutoregressiveConfig
from .masks import MaskedConv2d, OutputLayers, raster_conv, vertical_mask


class MaskedResidualBlock(nn.Module):
    """PixelCNN's residual block (2016a, fig. 5): ReLU, 1×1 (2h→h), ReLU, k×k mask B, ReLU, 1×1 (h→2h)."""

    def __init__(self, width: int, kernel_size: int, groups: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ReLU(), raster_conv(2 * width, width, 1, "B", groups),
            nn.ReLU(), raster_conv(width, width, kernel_size, "B", groups),
            nn.ReLU(), raster_conv(width, 2 * width, 1, "B", groups),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class PixelCNNNetwork(nn.Module):
    """7×7 mask-A convolution, residual blocks of k×k mask-B convolutions, two 1×1 output layers.

    The stacked square masks leave the known blind spot above-right of each pixel.
    """

    def __init__(self, config: AutoregressiveConfig, raw_channels: int) -> None:
        super().__init__()
        h, groups = config.width, config.channels
        self.stem = raster_conv(config.channels, 2 * h, config.first_kernel_size, "A", groups)
        self.blocks = nn.Sequential(*[MaskedResidualBlock(h, config.kernel_size, groups)
                                      for _ in range(config.num_layers)])
        self.output = OutputLayers(2 * h, config.output_width, raw_channels, groups)
        # rows above a pixel that reach its output: the stem's, then each block's k×k convolution's
        self.context_rows = config.first_kernel_size // 2 + config.num_layers * (config.kernel_size // 2)

    def forward(self, x: Tensor, y: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        return self.output(self.blocks(self.stem(x)))


def _gate(features: Tensor) -> Tensor:
    """tanh(a) ⊙ σ(b) for features split into halves [a, b] (2016b, eq. 2)."""
    a, b = features.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


class GatedLayer(nn.Module):
    """One Gated PixelCNN layer: a vertical stack (rows above, every column) and a horizontal stack
    (the current row up to the pixel), which removes PixelCNN's blind spot (2016b, sec. 2.2, fig. 2).

    The vertical features at row i come from rows < i only, so they feed the horizontal stack
    without a shift or channel mask; a label embedding adds a per-class bias to both (sec. 2.3).
    """

    def __init__(self, config: AutoregressiveConfig, in_channels: int, first: bool) -> None:
        super().__init__()
        h, k, groups = config.width, config.kernel_size if not first else config.first_kernel_size, config.channels
        self.first = first
        self.vertical = MaskedConv2d(in_channels, 2 * h, (k, k), vertical_mask(2 * h, in_channels, (k, k), not first))
        self.horizontal = raster_conv(in_channels, 2 * h, (1, k), "A" if first else "B", groups)
        self.vertical_to_horizontal = nn.Conv2d(2 * h, 2 * h, 1)
        self.horizontal_out = raster_conv(h, h, 1, "B", groups)
        self.label_bias = nn.Embedding(config.num_classes, 4 * h) if config.num_classes else None

    def forward(self, v: Tensor, h: Tensor, y: Tensor | None) -> tuple[Tensor, Tensor]:
        v_pre = self.vertical(v)                                                   # (B, 2h, H, W)
        h_pre = self.horizontal(h) + self.vertical_to_horizontal(v_pre)
        if self.label_bias is not None:
            v_bias, h_bias = self.label_bias(y)[:, :, None, None].chunk(2, dim=1)
            v_pre, h_pre = v_pre + v_bias, h_pre + h_bias
        h_out = self.horizontal_out(_gate(h_pre))
        if not self.first:  # residual connection on the horizontal stack (2016b, fig. 2)
            h_out = h + h_out
        return _gate(v_pre), h_out


class GatedPixelCNNNetwork(nn.Module):
    def __init__(self, config: AutoregressiveConfig, raw_channels: int) -> None:
        super().__init__()
        h = config.width
        self.layers = nn.ModuleList([GatedLayer(config, config.channels if i == 0 else h, first=i == 0)
                                     for i in range(config.num_layers)])
        self.output = OutputLayers(h, config.output_width, raw_channels, config.channels)
        # rows above a pixel that reach its output: through the vertical stack only
        self.context_rows = config.first_kernel_size // 2 + (config.num_layers - 1) * (config.kernel_size // 2)

    def forward(self, x: Tensor, y: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        v, h = x, x
        for layer in self.layers:
            v, h = layer(v, h, y)
        return self.output(h)
