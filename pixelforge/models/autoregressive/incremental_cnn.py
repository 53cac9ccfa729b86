"""Cached per-pixel steppers of PixelCNN and Gated PixelCNN (see incremental.py).

PixelCNN: every masked convolution computes its output at (i, j) alone from its cached
input map. Gated PixelCNN: the vertical stack at row i sees only rows above (and, after the
first layer, the vertical features of row i, which themselves see only rows above), so it is
computed a whole row at a time when the row starts; the horizontal stack goes pixel by pixel.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .incremental import CachedConv, OutputLayers, Pointwise, Stepper, pointwise_row
from .pixelcnn import GatedPixelCNNNetwork, PixelCNNNetwork, _gate


class PixelCNNStepper(Stepper):
    def __init__(self, network: PixelCNNNetwork, x: Tensor) -> None:
        super().__init__()
        batch, _, height, width = x.shape
        self.stem = CachedConv(network.stem, batch, height, width, x)
        self.x_caches = [self.stem]
        # each residual block's k×k convolution (the body's 4th module) keeps its input map
        self.block_caches = [CachedConv(block.body[3], batch, height, width, x) for block in network.blocks]
        self.block_inputs = [Pointwise(block.body[1]) for block in network.blocks]     # 1×1, 2h -> h
        self.block_outputs = [Pointwise(block.body[5]) for block in network.blocks]    # 1×1, h -> 2h
        self.output = OutputLayers(network.output)

    def pixel(self, x: Tensor, i: int, j: int) -> Tensor:
        features = self.stem.at(i, j)                                           # (B, 2h)
        for block_input, cache, block_output in zip(self.block_inputs, self.block_caches, self.block_outputs):
            hidden = torch.relu(block_input(torch.relu(features)))
            hidden = torch.relu(cache.step(i, j, hidden))
            features = features + block_output(hidden)
        return self.output(features)


class GatedPixelCNNStepper(Stepper):
    def __init__(self, network: GatedPixelCNNNetwork, x: Tensor, y: Tensor | None) -> None:
        super().__init__()
        batch, _, height, width = x.shape
        self.network = network
        self.vertical = [CachedConv(layer.vertical, batch, height, width, x) for layer in network.layers]
        self.horizontal = [CachedConv(layer.horizontal, batch, height, width, x) for layer in network.layers]
        self.x_caches = [self.vertical[0], self.horizontal[0]]
        self.horizontal_out = [Pointwise(layer.horizontal_out) for layer in network.layers]
        self.output = OutputLayers(network.output)
        self.biases = [self._label_biases(layer, y, x) for layer in network.layers]  # (vertical, horizontal)
        self.vertical_to_horizontal: list[Tensor] = []                          # per layer (B, 2h, W)

    def start_row(self, x: Tensor, i: int) -> None:
        self.vertical_to_horizontal = []
        for index, layer in enumerate(self.network.layers):
            v_pre = self.vertical[index].row(i)                                  # (B, 2h, W)
            self.vertical_to_horizontal.append(pointwise_row(layer.vertical_to_horizontal, v_pre))
            v_out = _gate(v_pre + self.biases[index][0][:, :, None])
            if index + 1 < len(self.vertical):
                self.vertical[index + 1].write_row(i, v_out)

    @staticmethod
    def _label_biases(layer, y: Tensor | None, x: Tensor) -> tuple[Tensor, Tensor]:
        """The per-class biases of the vertical and horizontal stacks, (B, 2h) each (zeros if unconditional)."""
        if layer.label_bias is None:
            zeros = x.new_zeros(len(x), layer.vertical.out_channels)
            return zeros, zeros
        v_bias, h_bias = layer.label_bias(y).chunk(2, dim=1)
        return v_bias, h_bias

    def pixel(self, x: Tensor, i: int, j: int) -> Tensor:
        h = x[:, :, i, j]                                                        # (B, C)
        for index, layer in enumerate(self.network.layers):
            cache = self.horizontal[index]
            h_pre = (cache.at(i, j) if index == 0 else cache.step(i, j, h))
            h_pre = h_pre + self.vertical_to_horizontal[index][:, :, j] + self.biases[index][1]
            h_out = self.horizontal_out[index](_gate(h_pre))
            h = h_out if layer.first else h + h_out
        return self.output(h)
