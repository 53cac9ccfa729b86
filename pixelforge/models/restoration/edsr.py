"""MultiScaleEDSR: the quality super-resolver (Lim et al. 2017, EDSR / MDSR).

A stack of residual blocks (conv-ReLU-conv, no batch norm, the block's output scaled by
`residual_scale` before it is added, which keeps deep stacks stable) at low resolution,
one shared body for every scale and one upsampler per scale (MDSR's layout): a conv to
s*s*width channels and a pixel shuffle (two x2 stages for x4), then a conv to one channel
at high resolution. As in pixelforge's ESPCN, the network adds its output to the MATLAB
bicubic upscale and its last conv starts at zero, so an untrained model answers bicubic.
The bicubic path always runs in float32, also under bf16 autocast.
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError


class ResidualBlock(nn.Module):
    def __init__(self, width: int, residual_scale: float):
        super().__init__()
        self.residual_scale = residual_scale
        self.convs = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True),
                                   nn.Conv2d(width, width, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.residual_scale * self.convs(x)


def _upsampler(width: int, scale: int) -> nn.Sequential:
    stages = [2, 2] if scale == 4 else [scale]
    layers: list[nn.Module] = []
    for stage in stages:
        layers += [nn.Conv2d(width, stage * stage * width, 3, padding=1), nn.PixelShuffle(stage)]
    last = nn.Conv2d(width, 1, 3, padding=1)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(*layers, last)


class MultiScaleEDSR(nn.Module):
    """(B, 1, h, w) low-resolution luma in [0, 1] and a scale s -> (B, 1, s h, s w)."""

    def __init__(self, width: int = 64, blocks: int = 16, scales: tuple[int, ...] = (2, 3, 4),
                 residual_scale: float = 0.1):
        super().__init__()
        if width < 1 or blocks < 1 or not scales or any(s not in (2, 3, 4) for s in scales):
            raise ConfigError(f"MultiScaleEDSR width={width}, blocks={blocks}, scales={scales}: expected "
                              f"width, blocks >= 1 and scales from 2, 3, 4")
        self.config = {"width": width, "blocks": blocks, "scales": list(scales), "residual_scale": residual_scale}
        self.head = nn.Conv2d(1, width, 3, padding=1)
        self.body = nn.Sequential(*[ResidualBlock(width, residual_scale) for _ in range(blocks)],
                                  nn.Conv2d(width, width, 3, padding=1))
        self.upsamplers = nn.ModuleDict({str(s): _upsampler(width, s) for s in scales})

    @property
    def scales(self) -> tuple[int, ...]:
        return tuple(self.config["scales"])

    @property
    def receptive_radius(self) -> int:
        """Low-resolution pixels of context on each side: head, blocks, body end, upsampler, bicubic."""
        return 1 + 2 * self.config["blocks"] + 1 + 2 + 1 + 2

    def forward(self, low: torch.Tensor, scale: int) -> torch.Tensor:
        from ...edit.restore.resize import imresize  # the edit package imports the models, not the reverse at load

        if str(scale) not in self.upsamplers:
            raise ConfigError(f"scale={scale}: this model upscales by {', '.join(map(str, self.scales))}")
        features = self.head(low)
        features = features + self.body(features)  # EDSR's long skip
        detail = self.upsamplers[str(scale)](features)
        with torch.autocast(low.device.type, enabled=False):
            return imresize(low.float(), scale) + detail.float()
