"""PSNR and SSIM as super-resolution and denoising papers compute them.

Images are compared on the 0..255 scale, on RGB or on the luma Y of ITU-R BT.601
(`Y = 16 + 65.481 R + 128.553 G + 24.966 B` for R, G, B in [0, 1], so Y lies in [16, 235];
MATLAB's rgb2ycbcr without rounding, as BasicSR's `test_y_channel` does), after cropping
`border` pixels from every side (SR papers crop the scale factor). Each image gets its own
value and the result is their mean. PSNR = 10 log10(255² / MSE) over all channels
(scikit-image's `peak_signal_noise_ratio`); SSIM is Wang et al. 2004 with an 11x11 Gaussian
window, σ = 1.5, K1 = 0.01, K2 = 0.03 (scikit-image's `structural_similarity` with
`gaussian_weights=True, use_sample_covariance=False`, the settings its docs give to match
the paper), averaged over channels for RGB.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ..errors import ConfigError, DataError

# ITU-R BT.601 luma for R, G, B in [0, 1] -> Y in [16, 235].
BT601_LUMA = (65.481, 128.553, 24.966)
BT601_OFFSET = 16.0
CHANNELS = ("rgb", "y")


def to_luma(rgb: np.ndarray) -> np.ndarray:
    """RGB (..., 3, H, W) in [0, 1] -> ITU-R BT.601 Y (..., H, W) in [16, 235] (not rounded)."""
    red, green, blue = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    return BT601_OFFSET + BT601_LUMA[0] * red + BT601_LUMA[1] * green + BT601_LUMA[2] * blue


def _prepare(prediction: torch.Tensor, target: torch.Tensor, value_range: tuple[float, float],
             channel: str, border: int) -> tuple[np.ndarray, int]:
    """(both image sets as float64 (2, N, C', H', W') on the 0..255 scale, cropped and converted;
    the number of channels C of the input)."""
    if channel not in CHANNELS:
        raise ConfigError(f"channel={channel!r}: expected one of {', '.join(CHANNELS)}")
    low, high = value_range
    if not high > low:
        raise ConfigError(f"value_range={value_range}: expected (low, high) with low < high")
    images = []
    for what, image in (("prediction", prediction), ("target", target)):
        values = torch.as_tensor(image).detach().cpu().double()
        values = values[None] if values.ndim == 3 else values
        if values.ndim != 4 or values.shape[1] not in (1, 3):
            raise DataError(f"{what} of shape {tuple(values.shape)}: expected (C, H, W) or (N, C, H, W), C = 1 or 3")
        slack = 1e-6 * (high - low)
        if not (values.min() >= low - slack and values.max() <= high + slack):
            raise DataError(f"{what} values span [{float(values.min()):.4g}, {float(values.max()):.4g}]; "
                            f"expected finite values in value_range [{low}, {high}]")
        images.append(((values - low) / (high - low)).numpy())
    if images[0].shape != images[1].shape:
        raise DataError(f"prediction {images[0].shape} and target {images[1].shape}: expected the same shape")
    height, width = images[0].shape[2:]
    if border < 0 or 2 * border >= min(height, width):
        raise ConfigError(f"border={border} for {height}x{width} images: "
                          f"expected 0 <= border < {min(height, width) / 2}")
    pair = np.stack(images)[..., border:height - border, border:width - border]  # (2, N, C, H', W') in [0, 1]
    channels = pair.shape[2]
    if channel == "y" and channels == 3:
        return to_luma(pair)[:, :, None], channels
    return pair * 255.0, channels


def _protocol(channel: str, border: int, value_range, num_images: int, channels: int, implementation: str) -> dict:
    space = "RGB" if channels == 3 else "gray"
    if channel == "y":
        space = "Y of ITU-R BT.601 (16 + 65.481 R + 128.553 G + 24.966 B), unrounded" if channels == 3 else \
            "gray (no conversion needed for Y)"
    return {"channel": space, "border_crop": border, "value_range": list(value_range), "scale": "0..255",
            "num_images": num_images, "averaging": "mean of per-image values", "implementation": implementation}


def psnr(prediction: torch.Tensor, target: torch.Tensor, value_range: tuple[float, float] = (-1.0, 1.0),
         channel: str = "rgb", border: int = 0) -> dict:
    """Peak signal-to-noise ratio in dB of prediction vs target, each (C, H, W) or (N, C, H, W).

    `value_range`: the images' scale ((-1, 1) pixelforge's, (0, 1), (0, 255) ...). `channel`:
    "rgb" (all channels) or "y" (BT.601 luma). `border`: pixels cropped from each side.
    Returns {metric, value (mean dB; inf for identical images), unit, per_image, protocol}.
    """
    from skimage.metrics import peak_signal_noise_ratio  # imported here: it pulls in scipy.stats (~0.7 s)

    pair, channels = _prepare(prediction, target, value_range, channel, border)
    values = []
    for predicted, truth in zip(pair[0], pair[1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # identical images: 10 log10(x / 0) = inf
            values.append(float(peak_signal_noise_ratio(truth, predicted, data_range=255.0)))
    implementation = "skimage.metrics.peak_signal_noise_ratio, data_range 255"
    return {"metric": "psnr", "value": float(np.mean(values)), "unit": "dB", "per_image": values,
            "protocol": _protocol(channel, border, value_range, len(values), channels, implementation)}


def ssim(prediction: torch.Tensor, target: torch.Tensor, value_range: tuple[float, float] = (-1.0, 1.0),
         channel: str = "rgb", border: int = 0) -> dict:
    """Structural similarity (Wang et al. 2004) of prediction vs target, each (C, H, W) or (N, C, H, W).

    Arguments as `psnr`. Returns {metric, value (mean over images, 1 for identical images),
    unit, per_image, protocol}.
    """
    from skimage.metrics import structural_similarity  # imported here: it pulls in scipy.stats (~0.7 s)

    pair, channels = _prepare(prediction, target, value_range, channel, border)
    if min(pair.shape[-2:]) < 11:
        raise DataError(f"images of {pair.shape[-2]}x{pair.shape[-1]} after cropping: SSIM's 11x11 window "
                        f"needs at least 11x11")
    values = [float(structural_similarity(truth, predicted, data_range=255.0, gaussian_weights=True, sigma=1.5,
                                          use_sample_covariance=False, channel_axis=0))
              for predicted, truth in zip(pair[0], pair[1])]
    implementation = ("skimage.metrics.structural_similarity: Gaussian window sigma 1.5 (11x11), K1 0.01, K2 0.03, "
                      "population covariance, data_range 255, mean over channels")
    return {"metric": "ssim", "value": float(np.mean(values)), "unit": "", "per_image": values,
            "protocol": _protocol(channel, border, value_range, len(values), channels, implementation)}
