"""AutoregressiveConfig: one frozen dataclass for PixelCNN, Gated PixelCNN, PixelRNN and PixelCNN++.

The defaults are tiny (every model trains a step on a batch of 28×28 images in
milliseconds on a CPU). Paper-sized settings, for reference:
  - PixelRNN on binarized MNIST (van den Oord et al. 2016a, table 4): diagonal_bilstm with
    num_layers=7, width=16;
  - PixelCNN / PixelRNN on CIFAR-10 (same paper, sec. 5): num_layers=12 to 15, width=128 or more,
    likelihood="softmax", output_width=1024;
  - Gated PixelCNN (van den Oord et al. 2016b): num_layers=15 to 20, width=384 on ImageNet;
  - PixelCNN++ on CIFAR-10 (Salimans et al. 2017, sec. 3): width=160, num_layers=5 (gated resnets per
    scale), num_scales=3, num_mixtures=10, dropout=0.5.
"""

from __future__ import annotations

import dataclasses

from ...errors import ConfigError
from ..base import ImageSpec

ARCHITECTURES = ("pixelcnn", "gated_pixelcnn", "row_lstm", "diagonal_bilstm", "pixelcnn_pp")
MASKED_LIKELIHOODS = ("bernoulli", "softmax")  # what the masked (channel-ordered) networks support
SHIFTED_LIKELIHOODS = ("logistic_mixture",)   # PixelCNN++: the mixture's own R→G→B coefficients
CONDITIONAL_ARCHITECTURES = ("gated_pixelcnn",)


@dataclasses.dataclass(frozen=True)
class AutoregressiveConfig(ImageSpec):
    architecture: str = "pixelcnn"  # one of ARCHITECTURES (the registered builders set it)
    likelihood: str = "bernoulli"   # "bernoulli" (binarized, {-1, 1}), "softmax" (256-way, 8-bit),
                                    # "logistic_mixture" (PixelCNN++, 8-bit)
    width: int = 12                 # h: hidden features (LSTM units; gated/residual features); a multiple of channels
    num_layers: int = 2             # residual blocks, gated layers or LSTM layers; PixelCNN++: resnets per scale
    kernel_size: int = 3            # masked convolution kernel of PixelCNN / Gated PixelCNN layers (odd)
    first_kernel_size: int = 7      # the mask-A first convolution (odd)
    output_width: int = 32          # features of the two 1×1 output convolutions (masked architectures)
    num_mixtures: int = 5           # logistic mixture components (PixelCNN++)
    num_scales: int = 3             # resolutions of PixelCNN++'s down/up-sampling pass (1 = no sampling)
    dropout: float = 0.0            # PixelCNN++ dropout in the gated resnets (0.5 in the paper)

    def __post_init__(self) -> None:
        self.check()
        if self.architecture not in ARCHITECTURES:
            raise ConfigError(f"architecture={self.architecture!r}: expected one of {ARCHITECTURES}")
        allowed = SHIFTED_LIKELIHOODS if self.architecture == "pixelcnn_pp" else MASKED_LIKELIHOODS
        if self.likelihood not in allowed:
            raise ConfigError(f"likelihood={self.likelihood!r}: {self.architecture} supports {allowed}")
        for field in ("width", "num_layers", "output_width", "num_mixtures", "num_scales"):
            if getattr(self, field) < 1:
                raise ConfigError(f"{field}={getattr(self, field)}: expected a positive integer")
        for field in ("kernel_size", "first_kernel_size"):
            value = getattr(self, field)
            if value < 3 or value % 2 == 0:
                raise ConfigError(f"{field}={value}: expected an odd integer >= 3")
        if self.width % self.channels:
            raise ConfigError(f"width={self.width}: expected a multiple of channels={self.channels} (the features "
                              f"are split into one group per colour channel for the R→G→B masks)")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"dropout={self.dropout}: expected a number in [0, 1)")
        if self.num_classes and self.architecture not in CONDITIONAL_ARCHITECTURES:
            raise ConfigError(f"num_classes={self.num_classes}: {self.architecture} is unconditional; "
                              f"class conditioning is in {CONDITIONAL_ARCHITECTURES}")
