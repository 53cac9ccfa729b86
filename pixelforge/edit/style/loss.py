"""Perceptual content and style losses (Gatys et al. 2016) on Inception-v3 features
(pixelforge.metrics.perceptual: the frozen FID Inception-v3, any input size).

Gram matrix of a feature map F (C channels, H x W positions): G = F F^T / (H W), the mean over
positions of channel products, so images of different sizes have comparable Grams. Each layer's
loss is relative: ||G - G_style||^2 / ||G_style||^2 (and ||F - F_content||^2 / ||F_content||^2),
which puts layers of very different magnitudes on one scale without hand-tuned per-layer weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ...errors import ConfigError
from ...metrics.perceptual import BLOCKS, perceptual_features


@dataclass(frozen=True)
class PerceptualConfig:
    """Which Inception blocks carry content and style, and how the terms are weighted.

    Content from Mixed_5b (35x35 at 299 px input: object layout, little texture); style from
    the stem and the first Inception blocks, whose Grams describe colour, strokes and texture
    at growing scales (deeper blocks add object-level statistics that transfer poorly)."""
    content_block: str = "Mixed_5b"
    style_blocks: tuple[str, ...] = ("Conv2d_1a_3x3", "Conv2d_2b_3x3", "Conv2d_4a_3x3", "Mixed_5b", "Mixed_5d")
    content_weight: float = 1.0
    style_weight: float = 20.0
    tv_weight: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "style_blocks", tuple(self.style_blocks))
        for name in (self.content_block, *self.style_blocks):
            if name not in BLOCKS:
                raise ConfigError(f"block {name!r}: expected one of {', '.join(BLOCKS)}")
        for field in ("content_weight", "style_weight", "tv_weight"):
            if getattr(self, field) < 0:
                raise ConfigError(f"{field}={getattr(self, field)}: expected a non-negative weight")


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, C, C): F F^T / (H W)."""
    batch, channels, height, width = features.shape
    flat = features.reshape(batch, channels, height * width)
    return flat @ flat.transpose(1, 2) / (height * width)


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of vertically and horizontally adjacent pixels; (B, C, H, W) -> scalar."""
    return ((images[..., 1:, :] - images[..., :-1, :]) ** 2).mean() + \
        ((images[..., :, 1:] - images[..., :, :-1]) ** 2).mean()


class PerceptualLoss(torch.nn.Module):
    """content, style and total-variation terms of images against a fixed style image."""

    def __init__(self, config: PerceptualConfig | None = None) -> None:
        super().__init__()
        self.config = config or PerceptualConfig()
        self.blocks = tuple(dict.fromkeys((self.config.content_block, *self.config.style_blocks)))
        self.style_grams: dict[str, torch.Tensor] = {}

    def set_style(self, style: torch.Tensor) -> None:
        """style: (1, C, H, W) in [-1, 1]; its Grams become the targets."""
        with torch.no_grad():
            features = perceptual_features(style, self.blocks)
            self.style_grams = {name: gram_matrix(features[name]) for name in self.config.style_blocks}

    def content_features(self, images: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return perceptual_features(images, (self.config.content_block,))[self.config.content_block]

    def terms(self, images: torch.Tensor, content_features: torch.Tensor) -> dict[str, torch.Tensor]:
        """{"content", "style", "tv", "total"} (scalars) for images (B, C, H, W) in [-1, 1]."""
        if not self.style_grams:
            raise ConfigError("PerceptualLoss.set_style(style_image) must be called first")
        features = perceptual_features(images, self.blocks)
        target = content_features
        content = ((features[self.config.content_block] - target) ** 2).mean() / (target ** 2).mean()
        style = sum(((gram_matrix(features[name]) - grams) ** 2).mean() / (grams ** 2).mean()
                    for name, grams in self.style_grams.items()) / len(self.style_grams)
        tv = total_variation(images)
        total = (self.config.content_weight * content + self.config.style_weight * style
                 + self.config.tv_weight * tv)
        return {"content": content, "style": style, "tv": tv, "total": total}
