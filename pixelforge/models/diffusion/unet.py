"""The noise-prediction network: a U-Net with residual blocks, a sinusoidal time embedding,
self-attention at low resolution and an optional class embedding (Ho et al. 2020, appendix B).

The class embedding has one extra row, the null class (index num_classes), that classifier-free
guidance (Ho & Salimans 2022) uses for the unconditional prediction.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..layers import group_norm
from .config import DiffusionConfig


def timestep_embedding(t: Tensor, dim: int, max_period: float = 10_000.0) -> Tensor:
    """Transformer sinusoids of the timesteps t (B,): (B, dim), half sines, half cosines."""
    half = dim // 2
    frequencies = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * frequencies[None]                    # (B, half)
    embedding = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
    return F.pad(embedding, (0, dim % 2))


def seeded_dropout(x: Tensor, p: float, training: bool, generator: torch.Generator | None) -> Tensor:
    """Dropout whose mask comes from `generator` (nn.Dropout draws from the global RNG, which a
    resumed run could not restore)."""
    if not training or p == 0:
        return x
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= p
    return x * keep / (1 - p)


def zero_init(module: nn.Module) -> nn.Module:
    """Start a residual branch at zero so each block begins as the identity."""
    for parameter in module.parameters():
        nn.init.zeros_(parameter)
    return module


class TimeResidualBlock(nn.Module):
    """GroupNorm-SiLU-conv, then GroupNorm modulated by the time (and class) embedding, SiLU-dropout-conv
    (the dropout mask drawn from the caller's generator).

    The embedding sets a per-channel scale and shift after the second normalization (Dhariwal & Nichol
    2021's scale-shift norm): added before it, a per-channel offset would be removed again by the
    normalization whenever a group holds a single channel (narrow networks).
    """

    def __init__(self, in_channels: int, out_channels: int, embedding_dim: int, dropout: float) -> None:
        super().__init__()
        self.first = nn.Sequential(group_norm(in_channels), nn.SiLU(), nn.Conv2d(in_channels, out_channels, 3, padding=1))
        self.embedding = nn.Sequential(nn.SiLU(), nn.Linear(embedding_dim, 2 * out_channels))
        self.norm = group_norm(out_channels)
        self.dropout = dropout
        self.second = zero_init(nn.Conv2d(out_channels, out_channels, 3, padding=1))
        self.skip = nn.Identity() if in_channels == out_channels else nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor, embedding: Tensor,  # (B, Cin, H, W), (B, E) -> (B, Cout, H, W)
                generator: torch.Generator | None = None) -> Tensor:
        scale, shift = self.embedding(embedding)[:, :, None, None].chunk(2, dim=1)   # each (B, Cout, 1, 1)
        h = F.silu(self.norm(self.first(x)) * (1 + scale) + shift)
        return self.skip(x) + self.second(seeded_dropout(h, self.dropout, self.training, generator))


class SelfAttention(nn.Module):
    """Single-head self-attention over the H·W positions, as a residual branch."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm = group_norm(channels)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = zero_init(nn.Conv2d(channels, channels, 1))

    def forward(self, x: Tensor) -> Tensor:  # (B, C, H, W) -> (B, C, H, W)
        batch, channels, height, width = x.shape
        q, k, v = self.qkv(self.norm(x)).flatten(2).transpose(1, 2).chunk(3, dim=2)  # each (B, HW, C)
        h = F.scaled_dot_product_attention(q, k, v)                                  # (B, HW, C)
        return x + self.out(h.transpose(1, 2).reshape(batch, channels, height, width))


class Level(nn.Module):
    """Residual blocks at one resolution, each followed by attention when the map is small."""

    def __init__(self, channels_in: list[int], channels: int, embedding_dim: int, dropout: float,
                 attention: bool) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(TimeResidualBlock(c, channels, embedding_dim, dropout) for c in channels_in)
        self.attention = nn.ModuleList(SelfAttention(channels) if attention else nn.Identity() for _ in channels_in)


class UNet(nn.Module):
    """eps_theta(x_t, t, y): (B, C, S, S), (B,) long, (B,) long or None -> (B, C, S, S)."""

    def __init__(self, config: DiffusionConfig) -> None:
        super().__init__()
        width, dropout = config.width, config.dropout
        embedding_dim = 4 * width
        self.width, self.num_classes = width, config.num_classes
        self.time_mlp = nn.Sequential(nn.Linear(width, embedding_dim), nn.SiLU(), nn.Linear(embedding_dim, embedding_dim))
        self.class_embedding = nn.Embedding(config.num_classes + 1, embedding_dim) if config.num_classes else None
        self.stem = nn.Conv2d(config.channels, width, 3, padding=1)
        widths = [width * m for m in config.multipliers]
        sizes = [config.image_size // 2**i for i in range(len(widths))]
        skips, current = [width], width
        self.down, self.downsample = nn.ModuleList(), nn.ModuleList()
        for i, (channels, size) in enumerate(zip(widths, sizes)):
            inputs = [current] + [channels] * (config.blocks_per_level - 1)
            self.down.append(Level(inputs, channels, embedding_dim, dropout, size <= config.attention_below))
            skips += [channels] * config.blocks_per_level
            current = channels
            last = i == len(widths) - 1
            self.downsample.append(nn.Identity() if last else nn.Conv2d(channels, channels, 3, stride=2, padding=1))
            if not last:
                skips.append(channels)
        self.middle = Level([current, current], current, embedding_dim, dropout, attention=True)
        self.up, self.upsample = nn.ModuleList(), nn.ModuleList()
        for i, (channels, size) in reversed(list(enumerate(zip(widths, sizes)))):
            inputs = []
            for _ in range(config.blocks_per_level + 1):
                inputs.append(current + skips.pop())
                current = channels
            self.up.append(Level(inputs, channels, embedding_dim, dropout, size <= config.attention_below))
            self.upsample.append(nn.Identity() if i == 0 else
                                 nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                                               nn.Conv2d(channels, channels, 3, padding=1)))
        self.head = nn.Sequential(group_norm(current), nn.SiLU(),
                                  zero_init(nn.Conv2d(current, config.channels, 3, padding=1)))

    def embed(self, t: Tensor, y: Tensor | None) -> Tensor:
        """Time embedding (B, 4·width), plus the class embedding when conditional (None: the null class)."""
        embedding = self.time_mlp(timestep_embedding(t, self.width))
        if self.class_embedding is not None:
            labels = torch.full_like(t, self.num_classes) if y is None else y
            embedding = embedding + self.class_embedding(labels)
        return embedding

    def forward(self, x: Tensor, t: Tensor, y: Tensor | None = None,
                generator: torch.Generator | None = None) -> Tensor:
        embedding = self.embed(t, y)
        h = self.stem(x)
        skips = [h]
        for level, downsample in zip(self.down, self.downsample):
            for block, attention in zip(level.blocks, level.attention):
                h = attention(block(h, embedding, generator))
                skips.append(h)
            if not isinstance(downsample, nn.Identity):
                h = downsample(h)
                skips.append(h)
        for block, attention in zip(self.middle.blocks, self.middle.attention):
            h = attention(block(h, embedding, generator))
        for level, upsample in zip(self.up, self.upsample):
            for block, attention in zip(level.blocks, level.attention):
                h = attention(block(torch.cat([h, skips.pop()], dim=1), embedding, generator))
            h = upsample(h)
        return self.head(h)
