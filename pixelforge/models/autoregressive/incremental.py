"""Fast sampling (Ramachandran et al. 2017, "Fast Generation for Convolutional Autoregressive Models").

Naive sampling reruns the network on a window of rows for every pixel and channel. A
*stepper* instead keeps each layer's input map from the pixels already generated and
computes, for the pixel (i, j) being drawn, only that pixel's activations in every layer
(convolutional stacks), carries the LSTM state from row to row (PixelRNN), or computes one
row of every layer (PixelCNN++, whose down/up-sampling passes mix whole rows). Its
`raw(x, i, j)` is the network output at (i, j) (B, R), equal to `network(x)[:, :, i, j]` up
to floating-point rounding, provided every value of x before (i, j) in raster order is final.

Why the caches stay exact: a layer's activation at (i, j) depends on its inputs at (i, j)
and before in raster order only, and never on the last colour channel of pixel (i, j) (the
masks give channel group g the groups < g at the centre tap). So once a pixel's last call
has been made with all its channels but the last in place, its cached activations are final.
The caller (`AutoregressiveModel._fill`) calls `visit` when a pixel's last
call came before one of its channels was set, and visits every pixel, known ones included.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class CachedConv:
    """One 'same'-padded causal convolution over a cached, zero-padded input map.

    Only the kernel rows at and above the centre are kept (the rows below are masked in every
    causal convolution here), so the map needs padding on top and at the sides only.
    """

    def __init__(self, conv: nn.Conv2d, batch: int, height: int, width: int, like: Tensor) -> None:
        weight = conv.weight * conv.mask if hasattr(conv, "mask") else conv.weight
        kh, kw = conv.kernel_size
        self.top, self.side, self.kw = kh // 2, kw // 2, kw
        self.weight = weight[:, :, :self.top + 1].detach()        # (out, in, top + 1, kw)
        self.flat = self.weight.reshape(len(self.weight), -1)      # (out, in · (top + 1) · kw)
        self.bias = None if conv.bias is None else conv.bias.detach()
        self.pointwise = kh == 1 and kw == 1
        self.map = None if self.pointwise else like.new_zeros(
            batch, conv.in_channels, height + self.top, width + 2 * self.side)

    def write(self, i: int, j: int, value: Tensor) -> None:
        """Input at (i, j): value (B, in)."""
        self.map[:, :, i + self.top, j + self.side] = value

    def write_row(self, i: int, values: Tensor) -> None:
        """Input row i: values (B, in, W)."""
        self.map[:, :, i + self.top, self.side:self.map.shape[3] - self.side] = values

    def at(self, i: int, j: int) -> Tensor:
        """Output at (i, j) from the cached map: (B, out)."""
        window = self.map[:, :, i:i + self.top + 1, j:j + self.kw]
        return F.linear(window.reshape(len(window), -1), self.flat, self.bias)

    def row(self, i: int) -> Tensor:
        """Output row i from the cached map: (B, out, W)."""
        return F.conv2d(self.map[:, :, i:i + self.top + 1], self.weight, self.bias)[:, :, 0]

    def step(self, i: int, j: int, value: Tensor) -> Tensor:
        """Write the input at (i, j) and return the output there: (B, in) -> (B, out)."""
        if self.pointwise:
            return F.linear(value, self.flat, self.bias)
        self.write(i, j, value)
        return self.at(i, j)


class Pointwise:
    """A 1×1 (masked) convolution at one pixel, (B, in) -> (B, out), with its masked weight computed once."""

    def __init__(self, conv: nn.Conv2d) -> None:
        weight = conv.weight * conv.mask if hasattr(conv, "mask") else conv.weight
        self.weight = weight[:, :, 0, 0].detach()
        self.bias = None if conv.bias is None else conv.bias.detach()

    def __call__(self, value: Tensor) -> Tensor:
        return F.linear(value, self.weight, self.bias)


def pointwise_row(conv: nn.Module, values: Tensor) -> Tensor:
    """A 1×1 (masked) convolution over one row: (B, in, W) -> (B, out, W)."""
    return conv(values[:, :, None])[:, :, 0]


class OutputLayers:
    """OutputLayers (ReLU and 1×1 convolutions) at one pixel: (B, F) -> (B, R)."""

    def __init__(self, layers: nn.Sequential) -> None:
        self.layers = [None if isinstance(layer, nn.ReLU) else Pointwise(layer) for layer in layers]

    def __call__(self, value: Tensor) -> Tensor:
        for layer in self.layers:
            value = torch.relu(value) if layer is None else layer(value)
        return value


class Stepper:
    """Base class: `raw(x, i, j)` calls `start_row(x, i)` once per row, then `pixel(x, i, j)`.

    `x_caches` are the caches whose input is the image itself; rows i - 1 and i of x are copied
    into them before each pixel (row i - 1 gets its last pixel's last channel at the row's start).
    """

    def __init__(self) -> None:
        self.row_index = -1
        self.x_caches: list[CachedConv] = []

    def raw(self, x: Tensor, i: int, j: int) -> Tensor:
        for cache in self.x_caches:
            if not cache.pointwise:
                for row in range(max(0, i - 1), i + 1):
                    cache.write_row(row, x[:, :, row])
        if i != self.row_index:
            self.row_index = i
            self.start_row(x, i)
        return self.pixel(x, i, j)

    def visit(self, x: Tensor, i: int, j: int) -> None:
        """Cache pixel (i, j)'s activations from its final values (the output is not needed)."""
        self.raw(x, i, j)

    def start_row(self, x: Tensor, i: int) -> None:
        """Work shared by every pixel of row i (default: none)."""

    def pixel(self, x: Tensor, i: int, j: int) -> Tensor:
        raise NotImplementedError
