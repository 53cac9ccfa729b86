"""Cached row-by-row stepper of PixelCNN++ (see incremental.py and pixelcnn_pp.py).

Every PixelCNN++ convolution reaches at most one row up (kernels two rows high; stride-2
convolutions read rows 2r - 1 and 2r; transposed ones write rows 2r and 2r + 1 from row r
alone). So a layer's row r can be computed from its input's rows r - 1 and r: the stepper
keeps every convolution's input map and computes one row per layer, not the i + 1 rows a
rerun of the network on the rows above would.

Three facts keep the work per pixel small:
  - the `u` stream never reads the `ul` stream and sees only the rows above, so its row i (at
    every scale) is computed once, when row i starts;
  - `ul` at (i, j) sees only columns <= j of row i in every layer (its convolutions look up and
    left; the transposed ones send column c to 2c and 2c + 1), so for pixel (i, j) only the
    columns 0..j of row i are computed (0..j >> s at scale s);
  - at scale s (resolution / 2^s), row r sees image rows <= 2^s · r only: unless i is a multiple
    of 2^s, the scale's row i >> s is final from the start of row i and is not recomputed.
Row i - 1 is computed once more, whole and final, when row i starts.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .incremental import Stepper
from .pixelcnn_pp import GatedResnet, PixelCNNPPNetwork, ShiftedConv2d, concat_elu, right_shift


class RowConv:
    """A ShiftedConv2d (stride 1 or 2) evaluated one output row at a time over its cached,
    zero-padded input map. Rows are (B, C, 1, W), or their first columns."""

    def __init__(self, conv: ShiftedConv2d, batch: int, height: int, width: int, like: Tensor) -> None:
        left, right, top, _ = conv.pad
        self.conv, self.top, self.left, self.stride = conv, top, left, conv.stride[0]
        self.out_width = (width - 1) // self.stride + 1
        self.map = like.new_zeros(batch, conv.in_channels, height + top, width + left + right)

    def write(self, r: int, row: Tensor) -> None:
        """Input row r (its first row.shape[-1] columns)."""
        self.map[:, :, r + self.top:r + self.top + 1, self.left:self.left + row.shape[-1]] = row

    def out(self, r: int, width: int | None = None) -> Tensor:
        """Output row r (its first `width` columns), from input rows stride · r - top .. stride · r."""
        kh, kw = self.conv.kernel_size
        start, columns = self.stride * r, self.stride * ((width or self.out_width) - 1) + kw
        window = self.map[:, :, start:start + kh, :columns]
        return F.conv2d(window, self.conv.weight, self.conv.bias, stride=self.stride)

    def step(self, r: int, row: Tensor) -> Tensor:
        self.write(r, row)
        return self.out(r, row.shape[-1])


class RowResnet:
    """A GatedResnet one row at a time (eval mode: no dropout)."""

    def __init__(self, block: GatedResnet, batch: int, height: int, width: int, like: Tensor) -> None:
        self.aux = block.aux
        self.conv_in = RowConv(block.conv_in, batch, height, width, like)
        self.conv_out = RowConv(block.conv_out, batch, height, width, like)

    def __call__(self, r: int, x: Tensor, aux: Tensor | None) -> Tensor:
        c = self.conv_in.step(r, concat_elu(x))
        if self.aux is not None:
            c = c + self.aux(concat_elu(aux))
        a, b = self.conv_out.step(r, concat_elu(c)).chunk(2, dim=1)
        return x + a * torch.sigmoid(b)


class PixelCNNPPStepper(Stepper):
    def __init__(self, network: PixelCNNPPNetwork, x: Tensor) -> None:
        super().__init__()
        batch, _, height, width = x.shape
        self.network, self.batch = network, batch
        n, scales = network.num_layers, network.num_scales
        self.sizes = [(height, width)]
        for _ in range(scales - 1):
            self.sizes.append(((self.sizes[-1][0] + 1) // 2, (self.sizes[-1][1] + 1) // 2))

        def convs(modules, scale_of):
            return [RowConv(conv, batch, *self.sizes[scale_of(k)], x) for k, conv in enumerate(modules)]

        def resnets(modules, scale_of):
            return [RowResnet(block, batch, *self.sizes[scale_of(k)], x) for k, block in enumerate(modules)]

        self.u_start, self.ul_start_above, self.ul_start_left = convs(
            [network.u_start, network.ul_start_above, network.ul_start_left], lambda k: 0)
        self.down_u = resnets(network.down_u, lambda k: k // n)
        self.down_ul = resnets(network.down_ul, lambda k: k // n)
        self.downsample_u = convs(network.downsample_u, lambda k: k)          # input at scale k
        self.downsample_ul = convs(network.downsample_ul, lambda k: k)
        up_scales = [scales - 1 - level for level, count in enumerate(network.up_counts) for _ in range(count)]
        self.first_up = [up_scales.index(scale) for scale in range(scales)]     # first up resnet of each scale
        self.up_u = resnets(network.up_u, lambda k: up_scales[k])
        self.up_ul = resnets(network.up_ul, lambda k: up_scales[k])
        # the u stream's current rows, read by the ul stream: each down and up resnet's output
        self.u_down: list[Tensor | None] = [None] * len(self.down_u)
        self.u_up: list[Tensor | None] = [None] * len(self.up_u)
        self.up_out_u: list[Tensor | None] = [None] * scales   # each scale's up-pass output row (before upsampling)
        self.up_out_ul: list[Tensor | None] = [None] * scales
        self.position: tuple[int, int] | None = None
        self.cached: Tensor | None = None

    def visit(self, x: Tensor, i: int, j: int) -> None:
        """Nothing to cache per pixel: rows are finalized when the next row starts."""
        if i != self.row_index:
            self.row_index = i
            self.start_row(x, i)

    def start_row(self, x: Tensor, i: int) -> None:
        self.position = None
        if i > 0:
            self._ul_row(x, i - 1, self._top(i - 1), self.sizes[0][1])  # row i - 1 is final now
        self._u_row(x, i, self._top(i))

    def pixel(self, x: Tensor, i: int, j: int) -> Tensor:
        if self.position != (i, j):  # the output at (i, j) does not depend on pixel (i, j) itself
            self.position, self.cached = (i, j), self._ul_row(x, i, self._top(i), j + 1)[:, :, 0, j]
        return self.cached

    def _top(self, i: int) -> int:
        """The coarsest scale whose row i >> s depends on image row i: the largest s with 2^s | i."""
        top = 0
        while top < self.network.num_scales - 1 and i % 2 ** (top + 1) == 0:
            top += 1
        return top

    def _u_row(self, x: Tensor, i: int, top: int) -> None:
        """Row i of the u stream at scales 0..top (it sees image rows < i only), whole."""
        network, n, scales = self.network, self.network.num_layers, self.network.num_scales
        u = self.u_start.out(i - 1) if i > 0 else x.new_zeros(self.batch, network.u_start.out_channels, 1,
                                                                self.sizes[0][1])   # down_shift
        skips: list[list[Tensor]] = [[u]] + [[] for _ in range(scales - 1)]
        for scale in range(top + 1):
            r = i >> scale
            for k in range(scale * n, (scale + 1) * n):
                u = self.u_down[k] = self.down_u[k](r, u, None)
                skips[scale].append(u)
            if scale < scales - 1:
                self.downsample_u[scale].write(r, u)       # read later by the coarser scale's rows
                if scale < top:
                    u = self.downsample_u[scale].out(r >> 1)
                    skips[scale + 1].append(u)
        u = skips[top].pop() if top == scales - 1 else self._upsample(network.upsample_u, self.up_out_u, top, i)
        for scale in range(top, -1, -1):
            for index in range(self.first_up[scale], self.first_up[scale] + len(skips[scale])):
                u = self.u_up[index] = self.up_u[index](i >> scale, u, skips[scale].pop())
            self.up_out_u[scale] = u
            if scale > 0:
                u = self._upsample(network.upsample_u, self.up_out_u, scale - 1, i)

    def _ul_row(self, x: Tensor, i: int, top: int, width: int) -> Tensor:
        """The network output's row i, columns 0..width - 1 (B, R, 1, width), from the ul stream's
        rows at scales 0..top (the coarser ones and the u stream are cached)."""
        network, n, scales = self.network, self.network.num_layers, self.network.num_scales
        widths = [((width - 1) >> scale) + 1 for scale in range(scales)]
        image_row = x[:, :, i:i + 1]
        image_row = torch.cat([image_row, torch.ones_like(image_row[:, :1])], dim=1)
        for conv in (self.u_start, self.ul_start_above, self.ul_start_left):
            conv.write(i, image_row)
        above = (self.ul_start_above.out(i - 1, width) if i > 0
                 else x.new_zeros(self.batch, network.ul_start_above.out_channels, 1, width))   # down_shift
        ul = above + right_shift(self.ul_start_left.out(i, width))
        skips: list[list[Tensor]] = [[ul]] + [[] for _ in range(scales - 1)]
        for scale in range(top + 1):
            r, columns = i >> scale, widths[scale]
            for k in range(scale * n, (scale + 1) * n):
                ul = self.down_ul[k](r, ul, self.u_down[k][..., :columns])
                skips[scale].append(ul)
            if scale < scales - 1:
                self.downsample_ul[scale].write(r, ul)
                if scale < top:
                    ul = self.downsample_ul[scale].out(r >> 1, widths[scale + 1])
                    skips[scale + 1].append(ul)
        ul = (skips[top].pop() if top == scales - 1
              else self._upsample(network.upsample_ul, self.up_out_ul, top, i, widths[top]))
        for scale in range(top, -1, -1):
            columns = widths[scale]
            for index in range(self.first_up[scale], self.first_up[scale] + len(skips[scale])):
                aux = torch.cat([self.u_up[index][..., :columns], skips[scale].pop()], dim=1)
                ul = self.up_ul[index](i >> scale, ul, aux)
            self.up_out_ul[scale] = ul
            if scale > 0:
                ul = self._upsample(network.upsample_ul, self.up_out_ul, scale - 1, i, widths[scale - 1])
        return network.output(F.elu(ul))

    def _upsample(self, modules, outputs: list, scale: int, i: int, width: int | None = None) -> Tensor:
        """Row i >> scale of `scale` (its first `width` columns), upsampled from the cached
        up-pass output row of scale + 1."""
        level = self.network.num_scales - 2 - scale
        pick = (i >> scale) & 1
        return modules[level](outputs[scale + 1], (2, width or self.sizes[scale][1]))[:, :, pick:pick + 1]
