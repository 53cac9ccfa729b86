"""DCGAN generator and discriminator (Radford et al. 2016), sized for any s·2^k image (28, 32, 64, ...).

Generator: z -> linear to (C·2^(k-1), s, s) -> k transposed 4×4 stride-2 convs with BatchNorm
(class-conditional BatchNorm when conditional) and ReLU, halving the channels -> 3×3 conv -> tanh.
Discriminator: the mirror image with stride-2 4×4 convs and LeakyReLU(0.2), no norm on the
first layer, then a linear (projection, when conditional) head.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .blocks import ConditionalBatchNorm, ProjectionHead, norm_2d, normalized
from .config import GANConfig, stem_size


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialization: conv and linear weights ~ N(0, 0.02), norm scales ~ N(1, 0.02), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d) and module.affine:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def level_widths(config: GANConfig) -> list[int]:
    """Channels from the lowest resolution (s×s) up to the image size: width·2^(k-1) ... width."""
    _, doublings = stem_size(config.image_size)
    return [config.width * 2 ** i for i in reversed(range(doublings))]


def _batch_norm(channels: int, num_classes: int) -> nn.Module:
    return ConditionalBatchNorm(channels, num_classes) if num_classes else nn.BatchNorm2d(channels)


def _normalize(norm: nn.Module, h: Tensor, y: Tensor | None) -> Tensor:
    return norm(h, y) if isinstance(norm, ConditionalBatchNorm) else norm(h)


class DCGANGenerator(nn.Module):
    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.stem_size, _ = stem_size(config.image_size)
        widths = level_widths(config)
        classes = config.num_classes
        self.project = nn.Linear(config.latent_dim, widths[0] * self.stem_size ** 2)
        # Class-conditional: every BatchNorm's scale and shift come from class embeddings. (Concatenating a
        # class embedding to z instead let the generator ignore z on MNIST: one image per class.)
        self.stem_norm = _batch_norm(widths[0], classes)
        self.ups = nn.ModuleList(nn.ConvTranspose2d(w_in, w_out, 4, stride=2, padding=1, bias=False)
                                 for w_in, w_out in zip(widths, widths[1:] + [widths[-1]]))
        self.norms = nn.ModuleList(_batch_norm(w, classes) for w in widths[1:] + [widths[-1]])
        self.out = nn.Conv2d(widths[-1], config.channels, 3, padding=1)
        self.width = widths[0]
        self.apply(dcgan_init)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:  # (B, Z) -> (B, C, S, S) in [-1, 1]
        h = self.project(z).view(z.shape[0], self.width, self.stem_size, self.stem_size)
        h = torch.relu(_normalize(self.stem_norm, h, y))
        for up, norm in zip(self.ups, self.norms):
            h = torch.relu(_normalize(norm, up(h), y))
        return torch.tanh(self.out(h))


class DCGANDiscriminator(nn.Module):
    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        sn, norm = config.spectral_norm, config.discriminator_norm
        widths = list(reversed(level_widths(config)))  # width ... width·2^(k-1)
        layers: list[nn.Module] = [normalized(nn.Conv2d(config.channels, widths[0], 4, 2, 1), sn),
                                   nn.LeakyReLU(0.2)]
        for w_in, w_out in zip(widths, widths[1:]):
            layers += [normalized(nn.Conv2d(w_in, w_out, 4, 2, 1), sn), norm_2d(norm, w_out), nn.LeakyReLU(0.2)]
        layers.append(nn.Flatten())
        self.features = nn.Sequential(*layers)
        stem, _ = stem_size(config.image_size)
        self.head = ProjectionHead(widths[-1] * stem * stem, config.num_classes, sn)
        self.apply(dcgan_init)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:  # (B, C, S, S) -> (B,)
        return self.head(self.features(x), y)
