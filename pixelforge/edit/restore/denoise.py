"""Gaussian denoising with a small shipped blind DnCNN (trained for sigma in [0, 55] on 0..255).

Gray images go through the network; colour images channel by channel (R, G, B); alpha is
kept as it is. The network is blind, so `sigma` is optional: above the trained range
(sigma > 55) the image is scaled by 50 / sigma so the noise the network sees is sigma 50,
and scaled back afterwards.
"""

from __future__ import annotations

import torch

from ...errors import ConfigError
from .convert import from_any
from .tiling import tiled
from .weights import DENOISE_WEIGHTS, shipped

TRAINED_SIGMA = 55.0


def denoise_tensor(image: torch.Tensor, sigma: float | None = None, model: torch.nn.Module | None = None,
                   tile: int = 256) -> torch.Tensor:
    """float (C, H, W) noisy, nominally in [0, 1] (values outside are fine) -> (C, H, W), not clipped."""
    if sigma is not None and not 0 <= sigma <= 255:
        raise ConfigError(f"sigma={sigma}: expected a noise standard deviation in [0, 255] (0..255 pixel scale)")
    model = model if model is not None else shipped(DENOISE_WEIGHTS)
    factor = 50.0 / sigma if sigma is not None and sigma > TRAINED_SIGMA else 1.0
    channels = image[:3] if image.shape[0] == 4 else image
    with torch.no_grad():
        result = tiled(model, channels[:, None] * factor, tile=tile, margin=model.receptive_radius + 1)[:, 0] / factor
    return torch.cat([result, image[3:]]) if image.shape[0] == 4 else result


def denoise(image, sigma: float | None = None, model: torch.nn.Module | None = None, tile: int = 256):
    """Remove additive Gaussian noise from `image` with the shipped blind network (or `model`).

    `image` as for `superres` (PIL, numpy, tensor; the kind and mode are kept). `sigma`: the
    noise level on the 0..255 scale if known (optional; used above 55). Large images are tiled
    with overlap, without seams.
    """
    pixels, back = from_any(image)
    return back(denoise_tensor(pixels, sigma, model, tile).clamp(0, 1))
