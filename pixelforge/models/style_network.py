"""A feed-forward style network (Johnson, Alahi & Fei-Fei 2016), small enough to train on a CPU.

9x9 conv -> two stride-2 convs -> residual blocks -> two (nearest-upsample + conv) stages ->
9x9 conv, with instance norm (Ulyanov et al. 2016) after every conv but the last, and
upsample-then-convolve instead of transposed convs (Odena et al. 2016: no checkerboard).
Reflection padding throughout; any input size works (odd sizes are padded to a multiple of 4
and cropped back).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError


@dataclass(frozen=True)
class StyleNetworkConfig:
    width: int = 16            # channels at full resolution; 2x and 4x after the downsamplings
    num_residual_blocks: int = 4

    def __post_init__(self) -> None:
        if self.width < 1:
            raise ConfigError(f"width={self.width}: expected a positive channel count")
        if self.num_residual_blocks < 0:
            raise ConfigError(f"num_residual_blocks={self.num_residual_blocks}: expected >= 0")


def _conv(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, relu: bool = True) -> nn.Sequential:
    layers = [nn.ReflectionPad2d(kernel_size // 2), nn.Conv2d(in_channels, out_channels, kernel_size, stride),
              nn.InstanceNorm2d(out_channels, affine=True)]
    return nn.Sequential(*layers, nn.ReLU(inplace=True)) if relu else nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(channels, channels, 3), _conv(channels, channels, 3, relu=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class StyleNetwork(nn.Module):
    """(B, 3, H, W) in [-1, 1] -> stylized (B, 3, H, W) in [-1, 1]."""

    def __init__(self, config: StyleNetworkConfig | None = None) -> None:
        super().__init__()
        self.config = config or StyleNetworkConfig()
        c = self.config.width
        self.down = nn.Sequential(_conv(3, c, 9), _conv(c, 2 * c, 3, stride=2), _conv(2 * c, 4 * c, 3, stride=2))
        self.residual = nn.Sequential(*[ResidualBlock(4 * c) for _ in range(self.config.num_residual_blocks)])
        self.up1 = _conv(4 * c, 2 * c, 3)
        self.up2 = _conv(2 * c, c, 3)
        self.out = nn.Sequential(nn.ReflectionPad2d(4), nn.Conv2d(c, 3, 9))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        height, width = images.shape[-2:]
        x = F.pad(images, (0, -width % 4, 0, -height % 4), mode="replicate")
        x = self.residual(self.down(x))                                  # (B, 4c, H/4, W/4)
        x = self.up1(F.interpolate(x, scale_factor=2, mode="nearest"))   # (B, 2c, H/2, W/2)
        x = self.up2(F.interpolate(x, scale_factor=2, mode="nearest"))   # (B, c, H, W)
        return torch.tanh(self.out(x))[..., :height, :width]
