"""Blocks used by two or more models."""

from __future__ import annotations

from torch import Tensor, nn


def group_norm(channels: int) -> nn.GroupNorm:
    """GroupNorm with up to 32 groups that divide `channels`."""
    groups = 32
    while channels % groups:
        groups //= 2
    return nn.GroupNorm(groups, channels)


class ResidualBlock(nn.Module):
    """x + conv(act(conv(act(x)))): a pre-activation residual block at fixed resolution and width."""

    def __init__(self, channels: int, normalize: bool = False) -> None:
        super().__init__()
        self.body = nn.Sequential(
            group_norm(channels) if normalize else nn.Identity(),
            nn.SiLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
            group_norm(channels) if normalize else nn.Identity(),
            nn.SiLU(),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x: Tensor) -> Tensor:  # (B, C, H, W) -> (B, C, H, W)
        return x + self.body(x)
