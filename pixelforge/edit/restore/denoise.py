"""Gaussian denoising with a small shipped FFDNet-style network (trained for sigma in [0, 55]
on the 0..255 scale).

Gray images go through the network; colour images channel by channel (R, G, B); alpha is
kept as it is. The shipped network takes the noise level as an input; when `sigma` is not
given it is estimated per channel (scikit-image's wavelet estimator: the median absolute
deviation of the finest diagonal wavelet coefficients / 0.6745). Blind networks such as
DnCNN (`model=`) ignore sigma. Above the trained range (sigma > 55) the image is scaled by
50 / sigma, so the noise the network sees is sigma 50, and scaled back afterwards.

When `sigma` equals a level that has its own shipped model (weights.DENOISE_SPECIALISTS: 25,
fine-tuned from the general model on that level alone, as DnCNN-S is trained), that model is
used unless `specialist=False`.
"""

from __future__ import annotations

import torch

from ...errors import ConfigError
from .convert import from_any
from .ensemble import self_ensemble
from .tiling import tiled
from .weights import DENOISE_SPECIALISTS, DENOISE_WEIGHTS, shipped

TRAINED_SIGMA = 55.0


def denoise_tensor(image: torch.Tensor, sigma: float | None = None, model: torch.nn.Module | None = None,
                   tile: int = 256, ensemble: bool = False, specialist: bool = True) -> torch.Tensor:
    """float (C, H, W) noisy, nominally in [0, 1] (values outside are fine) -> (C, H, W), not clipped."""
    if sigma is not None and not 0 <= sigma <= 255:
        raise ConfigError(f"sigma={sigma}: expected a noise standard deviation in [0, 255] (0..255 pixel scale)")
    if model is None:
        own = DENOISE_SPECIALISTS.get(sigma) if specialist and sigma is not None else None
        model = shipped(own or DENOISE_WEIGHTS)
    channels = image[:3] if image.shape[0] == 4 else image
    takes_sigma = getattr(model, "needs_sigma", False)
    if sigma is not None:
        levels = torch.full((len(channels),), float(sigma))
    elif takes_sigma:
        levels = torch.tensor([estimate_sigma(channel) for channel in channels])
    else:
        levels = torch.zeros(len(channels))  # a blind network and an unknown level: no rescaling
    factors = torch.where(levels > TRAINED_SIGMA, 50.0 / levels, 1.0)
    network = (lambda x: model(x, levels * factors / 255)) if takes_sigma else model
    multiple = getattr(model, "tile_multiple", 1)  # FFDNet: tiles keep the image's 2x2 phase
    margin = -(-(model.receptive_radius + 1) // multiple) * multiple

    def run(x: torch.Tensor) -> torch.Tensor:
        return tiled(network, x, tile=-(-tile // multiple) * multiple, margin=margin)

    scaled = channels[:, None] * factors[:, None, None, None]
    with torch.no_grad():
        result = (self_ensemble(run, scaled) if ensemble else run(scaled))[:, 0] / factors[:, None, None]
    return torch.cat([result, image[3:]]) if image.shape[0] == 4 else result


def estimate_sigma(channel: torch.Tensor) -> float:
    """The Gaussian noise level of one (H, W) channel in [0, 1], on the 0..255 scale (wavelet MAD)."""
    from skimage.restoration import estimate_sigma as wavelet_sigma

    return float(wavelet_sigma(channel.double().numpy())) * 255


def denoise(image, sigma: float | None = None, model: torch.nn.Module | None = None, tile: int = 256,
            ensemble: bool = False, specialist: bool = True):
    """Remove additive Gaussian noise from `image` with the shipped network (or `model`).

    `image` as for `superres` (PIL, numpy, tensor; the kind and mode are kept). `sigma`: the
    noise level on the 0..255 scale if known (optional: estimated when not given). Large
    images are tiled with overlap, without seams. `ensemble`: average over the 8 flips and
    rotations of the image (8x slower, slightly better). `specialist=False`: the general model
    even when `sigma` has its own model (see the module docstring).
    """
    pixels, back = from_any(image)
    return back(denoise_tensor(pixels, sigma, model, tile, ensemble, specialist).clamp(0, 1))
