"""Image classifiers: a small pre-activation ResNet (He et al. 2016), trained by the same trainer.

Used on its own (recognition), for the domain-feature FID of 28×28 sets, for
the class accuracy of conditional samples, and for explanations.
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import ConfigError
from ..registry import register_model
from .base import ImageSpec, PixelforgeModel


@dataclasses.dataclass(frozen=True)
class ClassifierConfig(ImageSpec):
    num_classes: int = 10
    width: int = 32                # channels of the first stage; stages have width, 2·width, 4·width
    blocks_per_stage: int = 2
    label_smoothing: float = 0.0
    dropout: float = 0.0           # before the final linear layer

    def __post_init__(self) -> None:
        self.check()
        if self.num_classes < 2:
            raise ConfigError(f"num_classes={self.num_classes}: a classifier needs at least 2 classes")
        if self.width < 1 or self.blocks_per_stage < 1:
            raise ConfigError("width and blocks_per_stage must be positive integers")
        if not 0 <= self.label_smoothing < 1 or not 0 <= self.dropout < 1:
            raise ConfigError("label_smoothing and dropout must lie in [0, 1)")


class PreActBlock(nn.Module):
    """BN-ReLU-conv ×2 with an identity (or 1×1 strided) shortcut (He et al. 2016b)."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.norm2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.shortcut = (nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
                         if stride != 1 or in_channels != out_channels else None)

    def forward(self, x: Tensor) -> Tensor:
        h = F.relu(self.norm1(x))
        skip = x if self.shortcut is None else self.shortcut(h)
        h = self.conv1(h)
        h = self.conv2(F.relu(self.norm2(h)))
        return h + skip


class Classifier(PixelforgeModel):
    """A ResNet over images (B, C, S, S) in [-1, 1] giving class logits (B, num_classes)."""

    def __init__(self, config: ClassifierConfig) -> None:
        super().__init__(config)
        widths = [config.width, 2 * config.width, 4 * config.width]
        self.stem = nn.Conv2d(config.channels, widths[0], 3, padding=1, bias=False)
        blocks: list[nn.Module] = []
        in_channels = widths[0]
        for stage, width in enumerate(widths):
            for index in range(config.blocks_per_stage):
                stride = 2 if stage > 0 and index == 0 else 1
                blocks.append(PreActBlock(in_channels, width, stride))
                in_channels = width
        self.blocks = nn.Sequential(*blocks)
        self.norm = nn.BatchNorm2d(in_channels)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(in_channels, config.num_classes)

    def features(self, x: Tensor) -> Tensor:
        """Penultimate features (B, 4·width): global average of the last stage."""
        h = self.blocks(self.stem(x))
        return F.relu(self.norm(h)).mean(dim=(2, 3))

    def logits(self, x: Tensor) -> Tensor:
        """Class scores (B, num_classes) for images in [-1, 1]."""
        return self.head(self.dropout(self.features(x)))

    def forward(self, x: Tensor, y: Tensor | None = None, objective: str = "loss",
                generator: torch.Generator | None = None) -> Tensor:
        """Cross-entropy (optionally label-smoothed) of the labels `y`, averaged over the batch."""
        self.check_input(x, y)
        logits = self.logits(x)
        loss = F.cross_entropy(logits, y, label_smoothing=self.config.label_smoothing)
        with torch.no_grad():
            self.last_terms = {"accuracy": float((logits.argmax(1) == y).float().mean())}
        return loss

    @torch.no_grad()
    def predict(self, x: Tensor, batch_size: int = 500) -> Tensor:
        """Predicted classes (N,) for images (N, C, S, S), in batches."""
        return torch.cat([self.logits(chunk).argmax(1) for chunk in x.split(batch_size)])


@register_model
def small_resnet(**overrides) -> Classifier:
    """Pre-activation ResNet classifier (3 stages, width/2·width/4·width); 10 classes by default."""
    return Classifier(ClassifierConfig(**overrides))
