"""FFDNet-style denoiser (Zhang, Zuo and Zhang 2018): a DnCNN body run on the four
polyphase sub-images of the noisy image (pixel unshuffle by 2), with the noise level given
as an extra input channel, so that one network serves every sigma and costs a quarter of
a DnCNN of the same depth per pixel while seeing twice as far.

Differences from the paper: the body predicts the noise (DnCNN's residual learning) and the
output is noisy minus noise; images with an odd side are padded by one replicated row or
column, which is cropped again; the last convolution starts at zero, so an untrained network
is the identity (with a random last layer, a 15 x 64 body sat for hundreds of steps at the
output = input plateau). `sigma` is on the [0, 1] intensity scale (25/255 for the usual
sigma 25).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ...errors import ConfigError
from .blocks import dncnn_body


class FFDNet(nn.Module):
    """(B, 1, H, W) noisy (unclipped) and sigma (float or (B,)) -> (B, 1, H, W) denoised. Any H, W."""

    needs_sigma = True
    tile_multiple = 2  # tiles must start on even pixels to keep the polyphase split of the whole image

    def __init__(self, depth: int = 15, width: int = 64):
        super().__init__()
        if depth < 3 or width < 1:
            raise ConfigError(f"FFDNet depth={depth}, width={width}: expected depth >= 3 and width >= 1")
        self.config = {"depth": depth, "width": width}
        self.body = dncnn_body(5, 4, depth, width)  # 4 polyphase sub-images + the noise level -> 4 noise maps
        nn.init.zeros_(self.body[-1].weight)  # start at "no noise": the identity, not a random image to unlearn
        nn.init.zeros_(self.body[-1].bias)

    @property
    def receptive_radius(self) -> int:
        """Full-resolution pixels of context on each side (2 per 3x3 conv at half resolution, +1 for
        the polyphase split), rounded up to even so that tiles keep the 2x2 phase of the image."""
        radius = 2 * self.config["depth"] + 1
        return radius + radius % 2

    def forward(self, noisy: torch.Tensor, sigma) -> torch.Tensor:
        batch, _, height, width = noisy.shape
        sigma = torch.as_tensor(sigma, dtype=noisy.dtype, device=noisy.device).reshape(-1, 1, 1, 1)
        padded = F.pad(noisy, (0, width % 2, 0, height % 2), mode="replicate") if height % 2 or width % 2 else noisy
        phases = F.pixel_unshuffle(padded, 2)
        level = sigma.expand(batch, 1, *phases.shape[-2:])
        noise = F.pixel_shuffle(self.body(torch.cat([phases, level], 1)), 2)
        return noisy - noise[..., :height, :width].to(noisy.dtype)
