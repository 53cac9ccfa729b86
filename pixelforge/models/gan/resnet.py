"""SNGAN's ResNet generator and discriminator (Miyato et al. 2018, appendix B, CIFAR-10 at 32×32).

Generator: z -> linear to (4·width, s, s) -> k up-sampling residual blocks (BN-ReLU-up-conv3-BN-
ReLU-conv3, 1×1 conv shortcut; class-conditional BN when conditional) -> BN-ReLU-conv3-tanh.
Discriminator: an "optimized" first block and down-sampling residual blocks until the feature
map is at most 8×8, two residual blocks at that size, ReLU, global sum pooling and a linear
(projection) head; spectral norm on every layer when configured.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from .blocks import ConditionalBatchNorm, ProjectionHead, normalized
from .config import GANConfig, stem_size


class GeneratorBlock(nn.Module):
    def __init__(self, channels_in: int, channels_out: int, num_classes: int) -> None:
        super().__init__()
        self.norm1 = ConditionalBatchNorm(channels_in, num_classes)
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, padding=1)
        self.norm2 = ConditionalBatchNorm(channels_out, num_classes)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1)
        self.shortcut = nn.Conv2d(channels_in, channels_out, 1)

    def forward(self, x: Tensor, y: Tensor | None) -> Tensor:  # (B, Ci, H, W) -> (B, Co, 2H, 2W)
        h = F.interpolate(F.relu(self.norm1(x, y)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.norm2(self.conv1(h), y)))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class DiscriminatorBlock(nn.Module):
    def __init__(self, channels_in: int, channels_out: int, down: bool, first: bool, sn: bool) -> None:
        super().__init__()
        self.down, self.first = down, first
        self.conv1 = normalized(nn.Conv2d(channels_in, channels_out, 3, padding=1), sn)
        self.conv2 = normalized(nn.Conv2d(channels_out, channels_out, 3, padding=1), sn)
        learn_shortcut = down or channels_in != channels_out
        self.shortcut = normalized(nn.Conv2d(channels_in, channels_out, 1), sn) if learn_shortcut else None

    def forward(self, x: Tensor) -> Tensor:  # (B, Ci, H, W) -> (B, Co, H/2 or H, ...)
        h = x if self.first else F.relu(x)  # the first block sees the image itself
        h = self.conv2(F.relu(self.conv1(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
        skip = x
        if self.shortcut is not None:
            if self.first:  # pool, then 1×1 conv (the "optimized" block)
                skip = self.shortcut(F.avg_pool2d(x, 2) if self.down else x)
            else:
                skip = self.shortcut(x)
                skip = F.avg_pool2d(skip, 2) if self.down else skip
        return h + skip


class ResNetGenerator(nn.Module):
    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.stem_size, doublings = stem_size(config.image_size)
        self.width = 4 * config.width
        self.project = nn.Linear(config.latent_dim, self.width * self.stem_size ** 2)
        self.blocks = nn.ModuleList(GeneratorBlock(self.width, self.width, config.num_classes)
                                    for _ in range(doublings))
        self.norm = nn.BatchNorm2d(self.width)
        self.out = nn.Conv2d(self.width, config.channels, 3, padding=1)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        h = self.project(z).view(z.shape[0], self.width, self.stem_size, self.stem_size)
        for block in self.blocks:
            h = block(h, y)
        return self.out(F.relu(self.norm(h))).tanh()


class ResNetDiscriminator(nn.Module):
    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        sn, width, size = config.spectral_norm, 2 * config.width, config.image_size
        blocks = [DiscriminatorBlock(config.channels, width, down=True, first=True, sn=sn)]
        size //= 2
        while size > 8 and size % 2 == 0:
            blocks.append(DiscriminatorBlock(width, width, down=True, first=False, sn=sn))
            size //= 2
        blocks += [DiscriminatorBlock(width, width, down=False, first=False, sn=sn) for _ in range(2)]
        self.blocks = nn.Sequential(*blocks)
        self.head = ProjectionHead(width, config.num_classes, sn)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:  # (B, C, S, S) -> (B,)
        h = F.relu(self.blocks(x)).sum(dim=(2, 3))
        return self.head(h, y)
