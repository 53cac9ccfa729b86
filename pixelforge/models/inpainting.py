"""A gated-convolution U-Net for inpainting natural images (Yu et al. 2019, "Free-Form Image
Inpainting with Gated Convolution"), refining a parameter-free coarse fill.

    model = InpaintingUNet(InpaintingConfig(channels=32))
    filled = model(images, hole)        # images (N, 3, H, W) in [-1, 1], hole (N, 1, H, W) bool, True = fill

Pipeline, fully convolutional (any H, W; padded to a multiple of 2**depth and cropped back):
1. coarse fill (`config.coarse`): OpenCV's Navier-Stokes inpainting (Bertalmio et al. 2001, radius
   5; the default, and the shipped weights' choice) or Telea's, or the pure-torch push-pull fill
   (pyramid of mask-normalised area averages, Gortler et al. 1996). No parameters; the network
   starts from it (its last layer is zero at initialisation), so an untrained or briefly trained
   network is as good as the classical fill and training only has to learn the correction.
2. the U-Net sees [coarse (3), hole (1)] and predicts a residual over the coarse fill; each
   convolution is gated: features * sigmoid(gate), so the network learns where the hole is.
   The bottleneck has dilated gated convolutions (dilations 2, 4, 8) for a wide receptive field.
3. compositing: known pixels are copied from the input exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import ConfigError

COARSE_FILLS = ("navier-stokes", "telea", "push-pull")


@dataclass(frozen=True)
class InpaintingConfig:
    channels: int = 32            # width of the first level; levels have 1x, 2x, 4x, 4x
    depth: int = 3                # stride-2 downsamplings
    dilations: tuple[int, ...] = (2, 4, 8)
    coarse: str = "navier-stokes"  # or "telea", "push-pull"

    def __post_init__(self) -> None:
        if self.coarse not in COARSE_FILLS:
            raise ConfigError(f"coarse={self.coarse!r}: expected one of {', '.join(COARSE_FILLS)}")
        if self.channels < 4:
            raise ConfigError(f"channels={self.channels}: expected at least 4")
        if not 1 <= self.depth <= 5:
            raise ConfigError(f"depth={self.depth}: expected 1 to 5")
        object.__setattr__(self, "dilations", tuple(int(d) for d in self.dilations))

    def to_dict(self) -> dict:
        return {**asdict(self), "dilations": list(self.dilations)}


class GatedConv2d(nn.Module):
    """Conv producing features and a gate: LeakyReLU(features) * sigmoid(gate) (Yu et al. 2019, eq. 1)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 dilation: int = 1) -> None:
        super().__init__()
        padding = dilation * (kernel_size - 1) // 2
        self.conv = nn.Conv2d(in_channels, 2 * out_channels, kernel_size, stride, padding, dilation)
        # Variance-preserving start (the network has no normalization): He init for the LeakyReLU
        # features, doubled because the gate starts at sigmoid(~0) = 1/2; near-zero gate weights.
        # With PyTorch's default init the signal shrank ~2x per layer and, once Adam scaled the
        # weights up, blew up instead (|activations| ~1e4, the last layer's gates shut).
        features, gate = self.conv.weight.data.chunk(2, dim=0)
        nn.init.kaiming_normal_(features, a=0.2, nonlinearity="leaky_relu")
        features.mul_(2)
        nn.init.normal_(gate, std=0.01)
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: Tensor) -> Tensor:
        features, gate = self.conv(x).chunk(2, dim=1)
        return F.leaky_relu(features, 0.2) * torch.sigmoid(gate)


def push_pull_fill(images: Tensor, known: Tensor) -> Tensor:
    """Fill the unknown pixels of `images` (N, C, H, W) from `known` (N, 1, H, W) float in {0, 1} by a
    pyramid of mask-normalised averages; known pixels are returned unchanged."""
    values, weights = [images * known], [known]
    while min(values[-1].shape[-2:]) > 1 and bool((weights[-1] == 0).any()):
        size = [max(1, (side + 1) // 2) for side in values[-1].shape[-2:]]
        values.append(F.interpolate(values[-1], size=size, mode="area"))
        weights.append(F.interpolate(weights[-1], size=size, mode="area"))
    filled = values[-1] / weights[-1].clamp_min(1e-8)
    for value, weight in zip(reversed(values[:-1]), reversed(weights[:-1])):
        coarse = F.interpolate(filled, size=value.shape[-2:], mode="bilinear", align_corners=False)
        # fully known cells keep their average; partly known ones blend towards the coarser level
        filled = value / weight.clamp_min(1e-8) * weight + coarse * (1 - weight)
    return torch.where(known.bool(), images, filled)


def opencv_fill(images: Tensor, hole: Tensor, method: str, radius: int = 5) -> Tensor:
    """OpenCV inpainting of each image (N, 3, H, W) in [-1, 1] on 8-bit pixels; hole (N, 1, H, W) bool."""
    import cv2

    flag = cv2.INPAINT_NS if method == "navier-stokes" else cv2.INPAINT_TELEA
    pixels = ((images.detach().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()
    masks = hole[:, 0].to(torch.uint8).cpu().numpy()
    filled = [cv2.inpaint(pixel, mask, radius, flag) if mask.any() else pixel for pixel, mask in zip(pixels, masks)]
    filled = torch.from_numpy(np.stack(filled)).permute(0, 3, 1, 2).to(images.device, images.dtype) / 127.5 - 1
    return torch.where(hole, filled, images)


class InpaintingUNet(nn.Module):
    """(images (N, 3, H, W) in [-1, 1], hole (N, 1, H, W) bool) -> filled images (N, 3, H, W), known
    pixels copied exactly."""

    def __init__(self, config: InpaintingConfig = InpaintingConfig()) -> None:
        super().__init__()
        self.config = config
        widths = [config.channels * min(2 ** level, 4) for level in range(config.depth + 1)]
        self.stem = GatedConv2d(4, widths[0], 5)
        self.down = nn.ModuleList(
            nn.Sequential(GatedConv2d(widths[i], widths[i + 1], 3, stride=2), GatedConv2d(widths[i + 1], widths[i + 1]))
            for i in range(config.depth))
        self.middle = nn.Sequential(*(GatedConv2d(widths[-1], widths[-1], 3, dilation=d) for d in config.dilations))
        self.up = nn.ModuleList(
            nn.Sequential(GatedConv2d(widths[i + 1] + widths[i], widths[i]), GatedConv2d(widths[i], widths[i]))
            for i in reversed(range(config.depth)))
        self.head = nn.Conv2d(widths[0], 3, 3, padding=1)
        nn.init.zeros_(self.head.weight)   # start as the coarse fill
        nn.init.zeros_(self.head.bias)

    def coarse_fill(self, images: Tensor, hole: Tensor) -> Tensor:
        """The parameter-free fill the network refines (`config.coarse`)."""
        if self.config.coarse == "push-pull":
            return push_pull_fill(images, (~hole).to(images.dtype))
        return opencv_fill(images, hole, self.config.coarse)

    def raw(self, images: Tensor, hole: Tensor) -> Tensor:
        """The network's prediction for every pixel, before compositing (for the training loss)."""
        height, width = images.shape[-2:]
        multiple = 2 ** self.config.depth
        pad = (0, -width % multiple, 0, -height % multiple)
        coarse = self.coarse_fill(images, hole)
        x = F.pad(torch.cat([coarse, hole.to(images.dtype)], 1), pad, mode="replicate")  # (N, 4, H', W')
        skips = [self.stem(x)]
        for block in self.down:
            skips.append(block(skips[-1]))
        x = self.middle(skips.pop())
        for block in self.up:
            skip = skips.pop()
            x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
            x = block(torch.cat([x, skip], 1))
        return coarse + self.head(x)[..., :height, :width]

    def forward(self, images: Tensor, hole: Tensor) -> Tensor:
        if images.ndim != 4 or images.shape[1] != 3 or hole.shape != (images.shape[0], 1, *images.shape[-2:]):
            raise ConfigError(f"images {tuple(images.shape)} and hole {tuple(hole.shape)}: expected (N, 3, H, W) "
                              f"and (N, 1, H, W)")
        hole = hole.bool()
        return torch.where(hole, self.raw(images, hole).clamp(-1, 1), images)


__all__ = ["COARSE_FILLS", "InpaintingConfig", "GatedConv2d", "InpaintingUNet", "push_pull_fill", "opencv_fill"]
