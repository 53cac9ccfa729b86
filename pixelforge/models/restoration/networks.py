"""Small restoration networks for one-channel images in [0, 1].

DnCNN (Zhang et al. 2017): conv-ReLU, (depth - 2) x conv-BN-ReLU, conv; it predicts the
noise, and the clean image is input minus prediction (residual learning). Batch norm is
kept as in the paper; width and depth are configurable (the paper: 17 x 64).

MultiScaleESPCN: an ESPCN-class network (Shi et al. 2016) that works at low resolution
and upsamples with a sub-pixel convolution (pixel shuffle), with one shared body and one
pixel-shuffle head per scale (the MDSR idea of Lim et al. 2017) and a global residual over
the MATLAB bicubic upscale, so that an untrained head already gives bicubic quality.
No batch norm (EDSR's finding for super-resolution).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import ConfigError
from .blocks import dncnn_body


class DnCNN(nn.Module):
    """(B, 1, H, W) noisy in [0, 1] (unclipped) -> (B, 1, H, W) denoised. Any H, W."""

    def __init__(self, depth: int = 17, width: int = 64):
        super().__init__()
        if depth < 3 or width < 1:
            raise ConfigError(f"DnCNN depth={depth}, width={width}: expected depth >= 3 and width >= 1")
        self.config = {"depth": depth, "width": width}
        self.body = dncnn_body(1, 1, depth, width)

    @property
    def receptive_radius(self) -> int:
        """Pixels of context each output pixel sees on each side (1 per 3x3 conv)."""
        return self.config["depth"]

    def forward(self, noisy: torch.Tensor) -> torch.Tensor:
        return noisy - self.body(noisy)  # the body estimates the noise


class MultiScaleESPCN(nn.Module):
    """(B, 1, h, w) low-resolution in [0, 1] and a scale s -> (B, 1, s h, s w) upscaled."""

    def __init__(self, width: int = 32, depth: int = 4, scales: tuple[int, ...] = (2, 3, 4)):
        super().__init__()
        if depth < 1 or width < 1 or not scales or any(s < 2 for s in scales):
            raise ConfigError(f"MultiScaleESPCN width={width}, depth={depth}, scales={scales}: expected "
                              f"width, depth >= 1 and scales >= 2")
        self.config = {"width": width, "depth": depth, "scales": list(scales)}
        layers: list[nn.Module] = [nn.Conv2d(1, width, 5, padding=2), nn.PReLU(width)]
        for _ in range(depth - 1):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.PReLU(width)]
        self.body = nn.Sequential(*layers)
        self.heads = nn.ModuleDict({str(s): nn.Sequential(nn.Conv2d(width, s * s, 3, padding=1), nn.PixelShuffle(s))
                                    for s in scales})
        for head in self.heads.values():  # start at the bicubic answer
            nn.init.zeros_(head[0].weight)
            nn.init.zeros_(head[0].bias)

    @property
    def scales(self) -> tuple[int, ...]:
        return tuple(self.config["scales"])

    @property
    def receptive_radius(self) -> int:
        """Low-resolution pixels of context on each side: body, head, and bicubic's 2 taps."""
        return 2 + (self.config["depth"] - 1) + 1 + 2

    def forward(self, low: torch.Tensor, scale: int) -> torch.Tensor:
        from ...edit.restore.resize import imresize  # the edit package imports the models, not the reverse at load

        if str(scale) not in self.heads:
            raise ConfigError(f"scale={scale}: this model upscales by {', '.join(map(str, self.scales))}")
        return imresize(low, scale) + self.heads[str(scale)](self.body(low))


from .edsr import MultiScaleEDSR  # noqa: E402  (after the classes above, which they do not need)
from .ffdnet import FFDNet  # noqa: E402

NETWORKS = {"dncnn": DnCNN, "ffdnet": FFDNet, "multiscale_espcn": MultiScaleESPCN, "multiscale_edsr": MultiScaleEDSR}


def build_network(name: str, config: dict) -> nn.Module:
    """A network from its name and config dict (as stored in a weights folder's config.json)."""
    if name not in NETWORKS:
        raise ConfigError(f"restoration network {name!r}: expected one of {', '.join(NETWORKS)}")
    config = dict(config)
    if "scales" in config:
        config["scales"] = tuple(config["scales"])
    return NETWORKS[name](**config)
