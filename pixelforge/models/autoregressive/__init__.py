"""Autoregressive family: PixelCNN, Gated PixelCNN, PixelRNN (Row LSTM, Diagonal BiLSTM), PixelCNN++.

Exact log-likelihoods (nats per image) and naive pixel-by-pixel sampling; see model.py.
"""

from __future__ import annotations

from ...registry import register_model
from .config import AutoregressiveConfig
from .model import AutoregressiveModel


@register_model
def pixelcnn(**overrides) -> AutoregressiveModel:
    """PixelCNN (van den Oord et al. 2016a): 7×7 mask-A convolution, residual blocks of mask-B convolutions."""
    return AutoregressiveModel(AutoregressiveConfig(**{"architecture": "pixelcnn", **overrides}))


@register_model
def gated_pixelcnn(**overrides) -> AutoregressiveModel:
    """Gated PixelCNN (van den Oord et al. 2016b): vertical and horizontal stacks (no blind spot), tanh·σ gates;
    class-conditional when num_classes > 0."""
    return AutoregressiveModel(AutoregressiveConfig(**{"architecture": "gated_pixelcnn", **overrides}))


@register_model
def conditional_gated_pixelcnn(**overrides) -> AutoregressiveModel:
    """Class-conditional Gated PixelCNN: a per-class bias from a label embedding in every gated layer."""
    defaults = {"architecture": "gated_pixelcnn", "num_classes": 10}
    return AutoregressiveModel(AutoregressiveConfig(**{**defaults, **overrides}))


@register_model
def row_lstm(**overrides) -> AutoregressiveModel:
    """PixelRNN Row LSTM (van den Oord et al. 2016a, sec. 3.1): row by row, 1-D convolutions with k=3."""
    defaults = {"architecture": "row_lstm", "num_layers": 1}
    return AutoregressiveModel(AutoregressiveConfig(**{**defaults, **overrides}))


@register_model
def diagonal_bilstm(**overrides) -> AutoregressiveModel:
    """PixelRNN Diagonal BiLSTM (van den Oord et al. 2016a, sec. 3.2): skewed diagonals in both directions."""
    defaults = {"architecture": "diagonal_bilstm", "num_layers": 1}
    return AutoregressiveModel(AutoregressiveConfig(**{**defaults, **overrides}))


@register_model
def pixelcnn_pp(**overrides) -> AutoregressiveModel:
    """PixelCNN++ (Salimans et al. 2017): discretized logistic mixture, shifted convolutions, down/up-sampling
    with shortcut connections; for 8-bit gray or colour images."""
    defaults = {"architecture": "pixelcnn_pp", "likelihood": "logistic_mixture", "width": 8, "num_layers": 1,
                "num_scales": 2}
    return AutoregressiveModel(AutoregressiveConfig(**{**defaults, **overrides}))


__all__ = ["AutoregressiveConfig", "AutoregressiveModel"]
