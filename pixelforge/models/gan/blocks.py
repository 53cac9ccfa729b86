"""Pieces shared by the GAN architectures: spectral norm switch, conditional batch norm, projection head."""

from __future__ import annotations

from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm


def normalized(module: nn.Module, use_spectral_norm: bool) -> nn.Module:
    """`module` with its weight spectrally normalized (largest singular value ≈ 1) when asked."""
    return spectral_norm(module) if use_spectral_norm else module


def norm_2d(kind: str, channels: int) -> nn.Module:
    """Discriminator feature normalization: "batch", "layer" (GroupNorm with one group) or "none"."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    return nn.Identity()


class ConditionalBatchNorm(nn.Module):
    """BatchNorm whose scale and shift are learned per class (de Vries et al. 2017); plain BN without classes."""

    def __init__(self, channels: int, num_classes: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=num_classes == 0)
        self.num_classes = num_classes
        if num_classes:
            self.scale = nn.Embedding(num_classes, channels)
            self.shift = nn.Embedding(num_classes, channels)
            nn.init.ones_(self.scale.weight)
            nn.init.zeros_(self.shift.weight)

    def forward(self, x: Tensor, y: Tensor | None) -> Tensor:
        x = self.norm(x)
        if not self.num_classes:
            return x
        return x * self.scale(y)[:, :, None, None] + self.shift(y)[:, :, None, None]


class ProjectionHead(nn.Module):
    """D(x, y) = linear(h) + <embed(y), h> (Miyato & Koyama 2018); just linear(h) without classes."""

    def __init__(self, features: int, num_classes: int, use_spectral_norm: bool) -> None:
        super().__init__()
        self.linear = normalized(nn.Linear(features, 1), use_spectral_norm)
        self.embedding = None
        if num_classes:
            embedding = nn.Embedding(num_classes, features)
            nn.init.normal_(embedding.weight, std=0.02)  # start near the unconditional critic
            self.embedding = normalized(embedding, use_spectral_norm)

    def forward(self, h: Tensor, y: Tensor | None) -> Tensor:  # (B, F) -> (B,)
        out = self.linear(h).squeeze(1)
        if self.embedding is not None:
            out = out + (self.embedding(y) * h).sum(dim=1)
        return out
