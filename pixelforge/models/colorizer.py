"""A small U-Net that predicts chroma (Lab a, b) from lightness L, for automatic colorization.

Regression on ab with an L1 loss (the median of the plausible colours). Zhang et al. 2016 show
that regression gives duller colours than classification over quantized ab bins; this network
is the simple, small baseline, sized to train on a CPU in tens of minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError

AB_SCALE = 50.0  # network outputs ab / AB_SCALE, so targets are O(1)


@dataclass(frozen=True)
class ColorizerConfig:
    width: int = 32           # channels at full resolution; 2x and 4x below
    dilations: tuple[int, ...] = (1, 2, 4)  # dilated 3x3 convs at 1/8 resolution, for context

    def __post_init__(self) -> None:
        if self.width < 1:
            raise ConfigError(f"width={self.width}: expected a positive channel count")
        object.__setattr__(self, "dilations", tuple(int(d) for d in self.dilations))
        if not self.dilations or min(self.dilations) < 1:
            raise ConfigError(f"dilations={self.dilations}: expected one or more positive integers")


def _conv(in_channels: int, out_channels: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride, padding=dilation, dilation=dilation),
                         nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True))


class Colorizer(nn.Module):
    """L (B, 1, H, W) in [0, 100] -> ab (B, 2, H, W) in Lab units; any H, W (padded to a multiple of 8)."""

    def __init__(self, config: ColorizerConfig | None = None) -> None:
        super().__init__()
        self.config = config or ColorizerConfig()
        c = self.config.width
        self.enc1 = nn.Sequential(_conv(1, c), _conv(c, c))
        self.enc2 = nn.Sequential(_conv(c, 2 * c, stride=2), _conv(2 * c, 2 * c))
        self.enc3 = nn.Sequential(_conv(2 * c, 4 * c, stride=2), _conv(4 * c, 4 * c))
        self.bottom = nn.Sequential(_conv(4 * c, 4 * c, stride=2),
                                    *[_conv(4 * c, 4 * c, dilation=d) for d in self.config.dilations])
        self.dec3 = nn.Sequential(_conv(8 * c, 4 * c), _conv(4 * c, 2 * c))
        self.dec2 = nn.Sequential(_conv(4 * c, 2 * c), _conv(2 * c, c))
        self.dec1 = nn.Sequential(_conv(2 * c, c), nn.Conv2d(c, 2, 1))

    def forward(self, lightness: torch.Tensor) -> torch.Tensor:
        height, width = lightness.shape[-2:]
        x = F.pad(lightness / 50.0 - 1.0, (0, -width % 8, 0, -height % 8), mode="replicate")
        e1 = self.enc1(x)                                   # (B, c, H, W)
        e2 = self.enc2(e1)                                  # (B, 2c, H/2, W/2)
        e3 = self.enc3(e2)                                  # (B, 4c, H/4, W/4)
        d = self.bottom(e3)                                 # (B, 4c, H/8, W/8)
        d = self.dec3(torch.cat([F.interpolate(d, size=e3.shape[-2:], mode="bilinear"), e3], dim=1))
        d = self.dec2(torch.cat([F.interpolate(d, size=e2.shape[-2:], mode="bilinear"), e2], dim=1))
        d = self.dec1(torch.cat([F.interpolate(d, size=e1.shape[-2:], mode="bilinear"), e1], dim=1))
        return d[..., :height, :width] * AB_SCALE

    def loss(self, lightness: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
        """Mean L1 distance in ab / AB_SCALE units."""
        return F.l1_loss(self(lightness) / AB_SCALE, ab / AB_SCALE)
