"""Steppers of the PixelRNNs that carry the LSTM state (see incremental.py).

Row LSTM: the state-to-state convolution of row i needs only row i - 1's hidden state, so
it runs once when the row starts; each pixel then adds its own input-to-state term and
updates its cell. Diagonal BiLSTM: in image coordinates, the left-to-right LSTM's state at
(i, j) follows from the states at (i - 1, j) and (i, j - 1), so it runs pixel by pixel; the
right-to-left LSTM's row i - 1 (which pixels of row i read, shifted down one row) runs right
to left when row i starts, from that row's finished inputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .incremental import CachedConv, OutputLayers, Pointwise, Stepper, pointwise_row
from .pixelrnn import DiagonalLSTM, PixelRNNNetwork, _lstm_update


class RowLSTMStepper(Stepper):
    def __init__(self, network: PixelRNNNetwork, x: Tensor) -> None:
        super().__init__()
        batch, _, height, width = x.shape
        self.network = network
        self.stem = CachedConv(network.stem, batch, height, width, x)
        self.x_caches = [self.stem]
        self.input_to_state = [CachedConv(layer.input_to_state, batch, height, width, x) for layer in network.layers]
        self.residual = [Pointwise(layer.residual) for layer in network.layers]
        self.output = OutputLayers(network.output)
        units = network.layers[0].width
        self.hidden = [x.new_zeros(batch, units, width) for _ in network.layers]   # row being generated
        self.cell = [x.new_zeros(batch, units, width) for _ in network.layers]
        self.previous_cell: list[Tensor] = []
        self.row_gates: list[Tensor] = []                                        # state-to-state, (B, 4h, W)

    def start_row(self, x: Tensor, i: int) -> None:
        if i == 0:  # the state above the first row is zero, as in RowLSTMLayer
            self.hidden = [torch.zeros_like(h) for h in self.hidden]
            self.cell = [torch.zeros_like(c) for c in self.cell]
        self.previous_cell = [c.clone() for c in self.cell]
        self.row_gates = [layer.state_to_state(h) for layer, h in zip(self.network.layers, self.hidden)]
        self.hidden = [h.clone() for h in self.hidden]

    def pixel(self, x: Tensor, i: int, j: int) -> Tensor:
        features = self.stem.at(i, j)                                            # (B, 2h)
        for index in range(len(self.residual)):
            gates = self.input_to_state[index].step(i, j, features) + self.row_gates[index][:, :, j]
            hidden, cell = _lstm_update(gates, self.previous_cell[index][:, :, j])
            self.hidden[index][:, :, j], self.cell[index][:, :, j] = hidden, cell
            features = features + self.residual[index](hidden)
        return self.output(features)


def virtual_left_states(lstm: DiagonalLSTM, height: int, like: Tensor) -> tuple[Tensor, Tensor]:
    """Hidden and cell states (H, h) at the virtual pixels (i, -1) left of each row.

    On the skewed map the LSTM also runs over the zero-input padding left of each row (the
    positions (i, j < 0)); those states depend on each other only, so a run on zero inputs gives
    them exactly. Row 0's left neighbour lies before the first column: zero, the initial state.
    """
    hidden = like.new_zeros(1, lstm.width, height)
    cell = like.new_zeros(1, lstm.width, height)
    left_hidden, left_cell = [hidden[0, :, 0]], [cell[0, :, 0]]
    for column in range(height - 1):  # column t holds the virtual pixel (t + 1, -1) in row t + 1
        hidden, cell = _lstm_update(lstm.state_to_state(hidden)[:, :, :height], cell)
        left_hidden.append(hidden[0, :, column + 1])
        left_cell.append(cell[0, :, column + 1])
    return torch.stack(left_hidden), torch.stack(left_cell)


class DiagonalDirection:
    """One DiagonalLSTM in image coordinates: gates = input-to-state + w_above · h(i-1, j) + w_left · h(i, j-1)."""

    def __init__(self, lstm: DiagonalLSTM, height: int, like: Tensor) -> None:
        self.lstm = lstm
        weight = lstm.state_to_state.weight                                      # (4h, h, 2): [above, left]
        self.state_weight = torch.cat([weight[:, :, 0], weight[:, :, 1]], dim=1)  # (4h, 2h)
        self.state_bias = lstm.state_to_state.bias
        self.input_to_state = Pointwise(lstm.input_to_state)
        self.left_hidden, self.left_cell = virtual_left_states(lstm, height, like)

    def step(self, input_gates: Tensor, above: Tensor, left: Tensor, left_cell: Tensor) -> tuple[Tensor, Tensor]:
        """(B, 4h), (B, h), (B, h), (B, h) -> hidden, cell (B, h)."""
        gates = input_gates + F.linear(torch.cat([above, left], dim=1), self.state_weight, self.state_bias)
        return _lstm_update(gates, left_cell)

    def edge(self, i: int, batch: int) -> tuple[Tensor, Tensor]:
        """The virtual left neighbour of row i: hidden, cell (B, h)."""
        return self.left_hidden[i].expand(batch, -1), self.left_cell[i].expand(batch, -1)


class DiagonalBiLSTMStepper(Stepper):
    def __init__(self, network: PixelRNNNetwork, x: Tensor) -> None:
        super().__init__()
        batch, _, height, width = x.shape
        self.network = network
        self.stem = CachedConv(network.stem, batch, height, width, x)
        self.x_caches = [self.stem]
        layers = network.layers
        self.forward_lstm = [DiagonalDirection(layer.left_to_right, height, x) for layer in layers]
        self.backward_lstm = [DiagonalDirection(layer.right_to_left, height, x) for layer in layers]
        self.residual = [Pointwise(layer.residual) for layer in layers]
        self.output = OutputLayers(network.output)
        units = layers[0].left_to_right.width
        zeros = [x.new_zeros(batch, units, width) for _ in layers]
        self.inputs = [x.new_zeros(batch, 2 * units, width) for _ in layers]    # each layer's input, row i
        self.forward_hidden, self.forward_cell = zeros, [z.clone() for z in zeros]
        self.forward_above = [z.clone() for z in zeros]                         # forward hidden, row i - 1
        self.backward_above = [z.clone() for z in zeros]                        # backward hidden, row i - 1

    def start_row(self, x: Tensor, i: int) -> None:
        if i == 0:
            return
        self.forward_above = [h.clone() for h in self.forward_hidden]
        self.backward_above = [self._backward_row(index, i - 1) for index in range(len(self.inputs))]

    def _backward_row(self, index: int, row: int) -> Tensor:
        """The right-to-left LSTM's hidden states on `row` (B, h, W), right to left, from the stored inputs."""
        direction, above = self.backward_lstm[index], self.backward_above[index]
        gates = pointwise_row(direction.lstm.input_to_state, self.inputs[index])   # (B, 4h, W)
        if row == 0:
            above = torch.zeros_like(above)
        hidden, cell = direction.edge(row, len(gates))
        states = torch.empty_like(above)
        for j in reversed(range(gates.shape[2])):
            hidden, cell = direction.step(gates[:, :, j], above[:, :, j], hidden, cell)
            states[:, :, j] = hidden
        return states

    def pixel(self, x: Tensor, i: int, j: int) -> Tensor:
        features = self.stem.at(i, j)                                            # (B, 2h)
        for index in range(len(self.residual)):
            self.inputs[index][:, :, j] = features
            direction = self.forward_lstm[index]
            if j == 0:
                left, left_cell = direction.edge(i, len(features))
            else:
                left, left_cell = self.forward_hidden[index][:, :, j - 1], self.forward_cell[index][:, :, j - 1]
            input_gates = direction.input_to_state(features)
            hidden, cell = direction.step(input_gates, self.forward_above[index][:, :, j], left, left_cell)
            self.forward_hidden[index][:, :, j], self.forward_cell[index][:, :, j] = hidden, cell
            features = features + self.residual[index](hidden + self.backward_above[index][:, :, j])
        return self.output(features)
