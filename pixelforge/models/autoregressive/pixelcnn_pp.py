"""PixelCNN++ network (Salimans et al. 2017): shifted convolutions, gated resnets, down/up-sampling.

Two streams replace the masks (sec. 2.5, fig. 2 of the paper): `u` holds information from
the rows strictly above a pixel, `ul` from the rows above and the pixels to its left on
its own row. Both start shifted (down one row, or right one column), and every later
convolution looks only up (down-shifted, 2×3) or up-left (down-right-shifted, 2×2).
Strided versions halve the resolution; transposed versions restore it, and the up pass
takes a shortcut from the matching layer of the down pass (sec. 2.4).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import AutoregressiveConfig


def concat_elu(x: Tensor) -> Tensor:
    return F.elu(torch.cat([x, -x], dim=1))


def down_shift(x: Tensor) -> Tensor:
    return F.pad(x, (0, 0, 1, 0))[:, :, :-1]


def right_shift(x: Tensor) -> Tensor:
    return F.pad(x, (1, 0))[:, :, :, :-1]


class ShiftedConv2d(nn.Conv2d):
    """Output (i, j) sees input rows i-kh+1..i and columns j-(kw-1)/2..j+(kw-1)/2 ("down") or
    j-kw+1..j ("down_right"); stride 2 places output (i, j) at input (2i, 2j)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: tuple[int, int], shift: str,
                 stride: int = 1) -> None:
        super().__init__(in_channels, out_channels, kernel, stride=stride)
        kh, kw = kernel
        left = (kw - 1) // 2 if shift == "down" else kw - 1
        self.pad = (left, kw - 1 - left, kh - 1, 0)

    def forward(self, x: Tensor) -> Tensor:
        return super().forward(F.pad(x, self.pad))


class ShiftedConvTranspose2d(nn.ConvTranspose2d):
    """Doubles the resolution: input (i, j) reaches outputs at rows 2i..2i+1 and columns around 2j
    ("down": 2j-1..2j+1, "down_right": 2j..2j+1), then crops to `size`."""

    def __init__(self, in_channels: int, out_channels: int, kernel: tuple[int, int], shift: str) -> None:
        super().__init__(in_channels, out_channels, kernel, stride=2)
        self.left_crop = (kernel[1] - 1) // 2 if shift == "down" else 0

    def forward(self, x: Tensor, size: tuple[int, int]) -> Tensor:
        out = super().forward(x)
        return out[:, :, :size[0], self.left_crop:self.left_crop + size[1]]


class GatedResnet(nn.Module):
    """x + a ⊙ σ(b), [a, b] = conv(concat_elu(conv(concat_elu(x)) + nin(concat_elu(aux)))) (sec. 2.2)."""

    def __init__(self, width: int, shift: str, aux_channels: int, dropout: float) -> None:
        super().__init__()
        kernel = (2, 3) if shift == "down" else (2, 2)
        self.conv_in = ShiftedConv2d(2 * width, width, kernel, shift)
        self.aux = nn.Conv2d(2 * aux_channels, width, 1) if aux_channels else None
        self.conv_out = ShiftedConv2d(2 * width, 2 * width, kernel, shift)
        self.dropout = dropout

    def forward(self, x: Tensor, aux: Tensor | None, generator: torch.Generator | None) -> Tensor:
        c = self.conv_in(concat_elu(x))
        if self.aux is not None:
            c = c + self.aux(concat_elu(aux))
        c = concat_elu(c)
        if self.training and self.dropout > 0:
            keep = torch.rand(c.shape, generator=generator, device=c.device) >= self.dropout
            c = c * keep / (1 - self.dropout)
        a, b = self.conv_out(c).chunk(2, dim=1)
        return x + a * torch.sigmoid(b)


class PixelCNNPPNetwork(nn.Module):
    def __init__(self, config: AutoregressiveConfig, raw_channels: int) -> None:
        super().__init__()
        w, n, scales, p = config.width, config.num_layers, config.num_scales, config.dropout
        c = config.channels + 1  # a constant channel of ones marks the image border against the padding
        self.u_start = ShiftedConv2d(c, w, (2, 3), "down")
        self.ul_start_above = ShiftedConv2d(c, w, (1, 3), "down")
        self.ul_start_left = ShiftedConv2d(c, w, (2, 1), "down_right")
        self.down_u = nn.ModuleList([GatedResnet(w, "down", 0, p) for _ in range(n * scales)])
        self.down_ul = nn.ModuleList([GatedResnet(w, "down_right", w, p) for _ in range(n * scales)])
        self.downsample_u = nn.ModuleList([ShiftedConv2d(w, w, (2, 3), "down", 2) for _ in range(scales - 1)])
        self.downsample_ul = nn.ModuleList([ShiftedConv2d(w, w, (2, 2), "down_right", 2) for _ in range(scales - 1)])
        # the up pass has one more resnet on every scale but the lowest (it also takes the downsampled map)
        self.up_counts = [n] + [n + 1] * (scales - 1)
        self.up_u = nn.ModuleList([GatedResnet(w, "down", w, p) for _ in range(sum(self.up_counts))])
        self.up_ul = nn.ModuleList([GatedResnet(w, "down_right", 2 * w, p) for _ in range(sum(self.up_counts))])
        self.upsample_u = nn.ModuleList([ShiftedConvTranspose2d(w, w, (2, 3), "down") for _ in range(scales - 1)])
        self.upsample_ul = nn.ModuleList([ShiftedConvTranspose2d(w, w, (2, 2), "down_right")
                                          for _ in range(scales - 1)])
        self.output = nn.Conv2d(w, raw_channels, 1)
        self.num_layers, self.num_scales = n, scales

    def forward(self, x: Tensor, y: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        x = torch.cat([x, torch.ones_like(x[:, :1])], dim=1)
        u = down_shift(self.u_start(x))
        ul = down_shift(self.ul_start_above(x)) + right_shift(self.ul_start_left(x))
        skips_u, skips_ul, sizes = [u], [ul], []
        for scale in range(self.num_scales):
            for i in range(scale * self.num_layers, (scale + 1) * self.num_layers):
                u = self.down_u[i](u, None, generator)
                ul = self.down_ul[i](ul, u, generator)
                skips_u.append(u)
                skips_ul.append(ul)
            if scale < self.num_scales - 1:
                sizes.append(tuple(u.shape[2:]))
                u, ul = self.downsample_u[scale](u), self.downsample_ul[scale](ul)
                skips_u.append(u)
                skips_ul.append(ul)
        u, ul = skips_u.pop(), skips_ul.pop()
        index = 0
        for level, count in enumerate(self.up_counts):
            for _ in range(count):
                u = self.up_u[index](u, skips_u.pop(), generator)
                ul = self.up_ul[index](ul, torch.cat([u, skips_ul.pop()], dim=1), generator)
                index += 1
            if level < self.num_scales - 1:
                size = sizes.pop()
                u, ul = self.upsample_u[level](u, size), self.upsample_ul[level](ul, size)
        return self.output(F.elu(ul))
