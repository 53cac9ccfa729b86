"""The DnCNN body that DnCNN and FFDNet share: conv-ReLU, (depth - 2) x conv-BN-ReLU, conv."""

from __future__ import annotations

from torch import nn


def dncnn_body(in_channels: int, out_channels: int, depth: int, width: int) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(inplace=True)]
    for _ in range(depth - 2):
        layers += [nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True)]
    layers.append(nn.Conv2d(width, out_channels, 3, padding=1))
    return nn.Sequential(*layers)
