"""AutoregressiveModel: p(x) = Π_i p(x_i | x_<i) over pixels in raster order and, within a pixel,
channels in R → G → B order, behind the common GenerativeModel interface.

The network (pixelcnn.py, pixelrnn.py, pixelcnn_pp.py) gives every pixel's distribution
parameters in one pass from the whole image; the head (heads.py) turns them into exact
conditional log-probabilities. `log_prob` is exact (no bound): the sum of the conditionals.

Sampling draws pixel by pixel, channel by channel, in one of two ways that give the same
samples from the same generator:
  - "naive": the network is recomputed for every pixel and channel, on the rows the pixel
    depends on (all rows above for the LSTMs and PixelCNN++; the receptive field's rows for
    PixelCNN and Gated PixelCNN);
  - "fast" (the default): cached activations (Ramachandran et al. 2017; incremental*.py): the
    convolutional stacks compute only the current pixel in every layer, the PixelRNNs carry
    their LSTM state, PixelCNN++ computes the current row of every layer from the cached rows above.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ...errors import ConfigError
from ..base import GenerativeModel
from ..likelihoods import nats_to_bits_per_dim
from .config import AutoregressiveConfig
from .heads import make_head
from .incremental import Stepper
from .incremental_cnn import GatedPixelCNNStepper, PixelCNNStepper
from .incremental_pp import PixelCNNPPStepper
from .incremental_rnn import DiagonalBiLSTMStepper, RowLSTMStepper
from .pixelcnn import GatedPixelCNNNetwork, PixelCNNNetwork
from .pixelcnn_pp import PixelCNNPPNetwork
from .pixelrnn import PixelRNNNetwork

NETWORKS = {"pixelcnn": PixelCNNNetwork, "gated_pixelcnn": GatedPixelCNNNetwork, "row_lstm": PixelRNNNetwork,
            "diagonal_bilstm": PixelRNNNetwork, "pixelcnn_pp": PixelCNNPPNetwork}
SAMPLING_METHODS = ("fast", "naive")


def _gumbel_argmax(log_p: Tensor, generator: torch.Generator | None) -> Tensor:
    """One draw per row of the categorical exp(log_p) (B, V) -> indices (B,), via the Gumbel-max trick."""
    uniform = torch.rand(log_p.shape, generator=generator, device=log_p.device).clamp(min=1e-20)
    return torch.argmax(log_p - torch.log(-torch.log(uniform)), dim=1)


class AutoregressiveModel(GenerativeModel):
    """An autoregressive model of images (B, C, S, S) in [-1, 1] (binary {-1, 1} for "bernoulli")."""

    def __init__(self, config: AutoregressiveConfig) -> None:
        super().__init__(config)
        self.input_kind = "binary" if config.likelihood == "bernoulli" else "continuous"
        self.head = make_head(config.likelihood, config.channels, config.num_mixtures)
        self.network: nn.Module = NETWORKS[config.architecture](config, self.head.raw_channels())

    @property
    def num_dims(self) -> int:
        return self.config.channels * self.config.image_size ** 2

    # --- the conditionals -------------------------------------------------------------------
    def distribution_params(self, x: Tensor, y: Tensor | None = None,
                            generator: torch.Generator | None = None) -> Tensor:
        """Parameters of p(x[:, c, i, j] | earlier pixels, earlier channels): (B, C, P, H, W).

        P is 1 (Bernoulli logit), 256 (softmax logits) or 3K (mixture logits, means, log-scales).
        Entry (c, i, j) depends only on pixels before (i, j) in raster order and on channels < c
        of pixel (i, j) itself; `generator` drives dropout (PixelCNN++, training only).
        """
        return self.head.params(self.network(x, y, generator), x)

    def row_params(self, x: Tensor, row: int, y: Tensor | None = None,
                   generator: torch.Generator | None = None) -> Tensor:
        """distribution_params(x, y)[:, :, :, row] (B, C, P, W), computed from the rows it depends on.

        Every network is causal, so rows below `row` never matter; convolutional networks also
        have a bounded reach upwards (`context_rows`), so only that window of rows is computed.
        """
        reach = getattr(self.network, "context_rows", None)
        top = 0 if reach is None else max(0, row - reach)
        window = x[:, :, top:row + 1]
        return self.distribution_params(window, y, generator)[:, :, :, -1]

    def pixel_log_prob(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """log p(x_c,i,j | everything before it) in nats, (B, C, H, W); sums to log p(x)."""
        self.check_input(x, y)
        return self.head.log_prob(self.distribution_params(x, y), x)

    def log_prob(self, x: Tensor, y: Tensor | None = None, generator: torch.Generator | None = None) -> Tensor:
        """Exact log p(x) in nats per image, (B,); `generator` is unused (nothing is sampled)."""
        return self.pixel_log_prob(x, y).flatten(1).sum(1)

    def bits_per_dim(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """-log2 p(x) / (C·H·W), (B,)."""
        return nats_to_bits_per_dim(-self.log_prob(x, y), self.num_dims)

    # --- training ---------------------------------------------------------------------------
    def forward(self, x: Tensor, y: Tensor | None = None, objective: str = "loss",
                generator: torch.Generator | None = None) -> Tensor:
        """The mean negative log-likelihood in nats per image (not per dimension) over the batch."""
        self.check_input(x, y)
        params = self.distribution_params(x, y, generator)
        nll = -self.head.log_prob(params, x).flatten(1).sum(1)                        # (B,)
        loss = nll.mean()
        with torch.no_grad():
            self.last_terms = {"nll_nats": float(loss),
                               "bits_per_dim": float(nats_to_bits_per_dim(loss, self.num_dims))}
        return loss

    # --- generation -------------------------------------------------------------------------
    def stepper(self, x: Tensor, y: Tensor | None = None, generator: torch.Generator | None = None) -> Stepper:
        """A cached pixel-by-pixel evaluator of the network for images shaped like x (incremental.py)."""
        architecture, network = self.config.architecture, self.network
        if architecture == "pixelcnn":
            return PixelCNNStepper(network, x)
        if architecture == "gated_pixelcnn":
            return GatedPixelCNNStepper(network, x, y)
        if architecture == "row_lstm":
            return RowLSTMStepper(network, x)
        if architecture == "diagonal_bilstm":
            return DiagonalBiLSTMStepper(network, x)
        return PixelCNNPPStepper(network, x)

    @torch.no_grad()
    def sample(self, num_samples: int, y: Tensor | None = None, generator: torch.Generator | None = None,
               method: str = "fast") -> Tensor:
        """(N, C, S, S) in [-1, 1], drawn pixel by pixel in raster order, channel by channel.

        method="fast" (default) uses cached activations, method="naive" recomputes the network for
        every pixel and channel (see `row_params`); in eval mode both give the same samples from the
        same generator. Conditional models without `y` sample the classes 0, 1, ... in turn.
        """
        _check_method(method)
        config = self.config
        if config.num_classes and y is None:
            y = torch.arange(num_samples, device=self.device) % config.num_classes
        shape = (num_samples, config.channels, config.image_size, config.image_size)
        x = torch.zeros(shape, device=self.device)
        return self._fill(x, torch.ones(shape, dtype=torch.bool, device=self.device), y, generator, method)

    @torch.no_grad()
    def complete(self, x: Tensor, known_mask: Tensor, num_completions: int = 1,
                 generator: torch.Generator | None = None, y: Tensor | None = None,
                 method: str = "fast") -> Tensor:
        """Fill in the unknown pixels of images x (B, C, S, S): (B, num_completions, C, S, S) in [-1, 1].

        `known_mask` (bool, broadcastable to x: (B, 1, S, S) or (B, C, S, S)) marks the known
        values, which are kept exactly. The unknown ones are sampled in raster order, each from
        p(x_i | x_<i): conditioned on every known or sampled value before it. Known pixels after
        it are NOT conditioned on (an autoregressive model cannot look ahead), so a hole whose
        context lies only below or to the right is filled as if that context were absent.
        `method` is "fast" or "naive", as in `sample`.
        """
        _check_method(method)
        if num_completions < 1:
            raise ConfigError(f"num_completions={num_completions}: expected a positive integer")
        try:
            known = torch.broadcast_to(known_mask.to(torch.bool), x.shape)
        except RuntimeError:
            raise ConfigError(f"known_mask of shape {tuple(known_mask.shape)} does not broadcast to the images' "
                              f"shape {tuple(x.shape)}") from None
        self.check_input(torch.where(known, x, -torch.ones_like(x)), y)  # unknown values are never read
        batch, unknown = x.shape[0], ~known
        repeat = (lambda t: t.repeat_interleave(num_completions, dim=0))
        filled = self._fill(repeat(x).clone(), repeat(unknown), None if y is None else repeat(y), generator, method)
        return filled.view(batch, num_completions, *x.shape[1:])

    def _fill(self, x: Tensor, unknown: Tensor, y: Tensor | None, generator: torch.Generator | None,
              method: str) -> Tensor:
        """Sample x's `unknown` values (bool, x's shape) in place, in raster and channel order.

        The random generator is drawn from only for unknown values, in the same order either way.
        The fast stepper must see every pixel, known ones too, each last with all but its last channel
        final (its cached activations never depend on that channel; see incremental.py).
        """
        values = self.head.values.to(x)
        _, channels, height, width = x.shape
        stepper = self.stepper(x, y, generator) if method == "fast" else None
        for i in range(height):
            for j in range(width):
                final = False  # whether the last network call at (i, j) saw every channel but the last
                for c in range(channels):
                    todo = unknown[:, c, i, j]
                    if not bool(todo.any()):
                        continue
                    params = self._pixel_params(stepper, x, i, j, y, generator)      # (B, C, P)
                    final = c == channels - 1
                    log_p = self.head.value_log_probs(params, x[:, :, i, j], c)      # (B, V)
                    drawn = values[_gumbel_argmax(log_p, generator)]
                    x[:, c, i, j] = torch.where(todo, drawn, x[:, c, i, j])
                if stepper is not None and not final:
                    stepper.visit(x, i, j)  # cache the pixel's activations from its final values
        return x

    def _pixel_params(self, stepper: Stepper | None, x: Tensor, i: int, j: int, y: Tensor | None,
                      generator: torch.Generator | None) -> Tensor:
        """Distribution parameters at pixel (i, j), (B, C, P): from the stepper, or naively."""
        if stepper is None:
            return self.row_params(x, i, y, generator)[:, :, :, j]
        raw = stepper.raw(x, i, j)[:, :, None, None]                                  # (B, R, 1, 1)
        return self.head.params(raw, x[:, :, i:i + 1, j:j + 1])[..., 0, 0]


def _check_method(method: str) -> None:
    if method not in SAMPLING_METHODS:
        raise ConfigError(f"method={method!r}: expected one of {SAMPLING_METHODS}")
