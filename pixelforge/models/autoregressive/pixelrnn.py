"""PixelRNN networks (van den Oord et al. 2016a, sec. 3): Row LSTM and Diagonal BiLSTM.

Each: a 7×7 mask-A convolution to 2h features, LSTM layers with residual connections
(sec. 3.4: the h-unit state is projected back to 2h by a 1×1 mask-B convolution and
added to the layer's input), then two 1×1 mask-B output layers. Input-to-state
convolutions are mask B; state-to-state convolutions see only earlier rows/diagonals,
so they need no mask. Gates are ordered [o, f, i, g], each h wide, so that hidden unit
u and its four gates share colour group u % C.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .config import AutoregressiveConfig
from .masks import OutputLayers, raster_conv


def _lstm_update(gates: Tensor, cell: Tensor, dim: int = 1) -> tuple[Tensor, Tensor]:
    """One LSTM step from pre-activations [o, f, i, g] (B, 4h, ...; the 4h along `dim`): (hidden, cell)."""
    o, f, i, g = gates.chunk(4, dim=dim)
    cell = torch.sigmoid(f) * cell + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(cell), cell


class RowLSTMLayer(nn.Module):
    """Row LSTM (sec. 3.1): the rows are processed top to bottom, a whole row at a time.

    Input-to-state: a 1×k mask-B convolution along the row, computed for the whole map at once;
    state-to-state: a width-k 1-D convolution over the previous row's hidden state. Each pixel's
    context is the triangle of rows above it plus the row's pixels to its left.
    """

    def __init__(self, width: int, groups: int, kernel_size: int = 3) -> None:
        super().__init__()
        self.width = width
        self.input_to_state = raster_conv(2 * width, 4 * width, (1, kernel_size), "B", groups)
        self.state_to_state = nn.Conv1d(width, 4 * width, kernel_size, padding=kernel_size // 2)
        self.residual = raster_conv(width, 2 * width, 1, "B", groups)

    def forward(self, x: Tensor) -> Tensor:
        batch, _, _, cols = x.shape
        input_gates = self.input_to_state(x)                                   # (B, 4h, H, W)
        hidden = x.new_zeros(batch, self.width, cols)
        cell = x.new_zeros(batch, self.width, cols)
        rows = []
        for row_gates in input_gates.unbind(dim=2):  # unbind: its backward is one stack, not a zero map per row
            gates = row_gates + self.state_to_state(hidden)                    # (B, 4h, W)
            hidden, cell = _lstm_update(gates, cell)
            rows.append(hidden)
        return x + self.residual(torch.stack(rows, dim=2))


def skew(x: Tensor) -> Tensor:
    """(B, F, H, W) -> (B, F, H, W + H - 1): row i shifted right by i, so columns are diagonals (sec. 3.2)."""
    batch, features, height, width = x.shape
    padded = F.pad(x, (0, height)).flatten(2)                                 # rows of W + H
    return padded[:, :, :height * (width + height - 1)].view(batch, features, height, width + height - 1)


def unskew(x: Tensor, width: int) -> Tensor:
    """Inverse of skew: (B, F, H, W + H - 1) -> (B, F, H, W)."""
    batch, features, height, _ = x.shape
    flat = F.pad(x.flatten(2), (0, height))                                   # H rows of W + H
    return flat.view(batch, features, height, width + height)[:, :, :, :width]


class DiagonalLSTM(nn.Module):
    """One direction of the Diagonal BiLSTM: on the skewed map, column by column (left to right).

    State-to-state is a 2×1 convolution over the previous column: in the unskewed image, the
    pixel to the left and the pixel above. Its context is every pixel above-left, itself included
    (through the mask-B input-to-state convolution). The BiLSTM layer runs its two directions
    together (`diagonal_pair`, the same numbers); `forward` runs one alone.
    """

    def __init__(self, width: int, groups: int) -> None:
        super().__init__()
        self.width = width
        self.input_to_state = raster_conv(2 * width, 4 * width, 1, "B", groups)
        self.state_to_state = nn.Conv1d(width, 4 * width, 2, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        batch, _, height, cols = x.shape
        input_gates = skew(self.input_to_state(x))                            # (B, 4h, H, W + H - 1)
        hidden = x.new_zeros(batch, self.width, height)
        cell = x.new_zeros(batch, self.width, height)
        columns = []
        for column_gates in input_gates.unbind(dim=3):
            # output[r] = w0 · hidden[r - 1] + w1 · hidden[r]: the cell above and the same row
            gates = column_gates + self.state_to_state(hidden)[:, :, :height]
            hidden, cell = _lstm_update(gates, cell)
            columns.append(hidden)
        return unskew(torch.stack(columns, dim=3), cols)


def diagonal_pair(first: DiagonalLSTM, second: DiagonalLSTM, x_first: Tensor,
                  x_second: Tensor) -> tuple[Tensor, Tensor]:
    """`first(x_first)` and `second(x_second)` (two DiagonalLSTMs, inputs of one shape) in one column
    loop: the two state-to-state convolutions run as one batched matmul and the two LSTM updates as
    one, which halves the many small sequential steps that dominate on a CPU."""
    batch, _, height, cols = x_first.shape
    units = first.width
    gates = torch.cat([skew(first.input_to_state(x_first)), skew(second.input_to_state(x_second))], dim=1)
    # state-to-state as one batched matmul: (2, 4h, 2h) weights [w_above | w_same] of each direction
    weight = torch.stack([torch.cat([lstm.state_to_state.weight[:, :, 0], lstm.state_to_state.weight[:, :, 1]], 1)
                          for lstm in (first, second)])
    gates = gates.view(batch, 2, 4 * units, height, -1) + torch.stack(
        [first.state_to_state.bias, second.state_to_state.bias])[None, :, :, None, None]
    hidden = x_first.new_zeros(batch, 2, units, height)
    cell = x_first.new_zeros(batch, 2, units, height)
    columns = []
    for column_gates in gates.unbind(dim=4):  # unbind: its backward is one stack, not a zero map per column
        above_and_same = torch.cat([F.pad(hidden, (1, 0))[..., :height], hidden], dim=2)   # (B, 2, 2h, H)
        pre = column_gates + torch.matmul(weight, above_and_same)
        hidden, cell = _lstm_update(pre, cell, dim=2)
        columns.append(hidden.view(batch, 2 * units, height))
    states = unskew(torch.stack(columns, dim=3), cols)
    return states[:, :units], states[:, units:]


class DiagonalBiLSTMLayer(nn.Module):
    """Diagonal BiLSTM (sec. 3.2): a left-to-right and a right-to-left diagonal LSTM.

    The right-to-left one runs on the mirrored image and its output is shifted down one row,
    so each pixel gets it from the row above: the two together see the whole past, except that
    pixel (i, j) misses pixel (i-1, W-1) for j < W - 1 - first_kernel_size // 2 (the mask-A stem
    puts that pixel only into features of row i, right of those columns).
    """

    def __init__(self, width: int, groups: int) -> None:
        super().__init__()
        self.left_to_right = DiagonalLSTM(width, groups)
        self.right_to_left = DiagonalLSTM(width, groups)
        self.residual = raster_conv(width, 2 * width, 1, "B", groups)

    def forward(self, x: Tensor) -> Tensor:
        forward_states, backward_states = diagonal_pair(self.left_to_right, self.right_to_left, x, x.flip(3))
        backward_states = backward_states.flip(3)
        backward_states = F.pad(backward_states, (0, 0, 1, 0))[:, :, :-1]     # shift down one row
        return x + self.residual(forward_states + backward_states)


class PixelRNNNetwork(nn.Module):
    def __init__(self, config: AutoregressiveConfig, raw_channels: int) -> None:
        super().__init__()
        h, groups = config.width, config.channels
        self.stem = raster_conv(config.channels, 2 * h, config.first_kernel_size, "A", groups)
        if config.architecture == "row_lstm":
            layers = [RowLSTMLayer(h, groups) for _ in range(config.num_layers)]
        else:
            layers = [DiagonalBiLSTMLayer(h, groups) for _ in range(config.num_layers)]
        self.layers = nn.Sequential(*layers)
        self.output = OutputLayers(2 * h, config.output_width, raw_channels, groups)

    def forward(self, x: Tensor, y: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        return self.output(self.layers(self.stem(x)))
