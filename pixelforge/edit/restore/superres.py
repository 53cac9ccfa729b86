"""Single-image super-resolution by 2, 3 or 4 with a small shipped network.

Two networks ship (see pixelforge.models.restoration): "edsr", MultiScaleEDSR, the quality
model and the default, and "espcn", MultiScaleESPCN, about 15 times cheaper. The network
upscales the luma Y of ITU-R BT.601 (the channel SR papers train and score on); Cb and Cr,
and alpha, are upscaled with MATLAB-compatible bicubic. Gray images go through the network
directly.
"""

from __future__ import annotations

import torch

from ...errors import ConfigError
from .convert import from_any, rgb_to_ycbcr, ycbcr_to_rgb
from .ensemble import self_ensemble
from .resize import imresize
from .tiling import tiled
from .weights import SUPERRES_NETWORKS, shipped

SCALES = (2, 3, 4)


def upscale_luma(model: torch.nn.Module, luma: torch.Tensor, scale: int, tile: int = 128,
                 ensemble: bool = False) -> torch.Tensor:
    """(B, 1, H, W) in [0, 1] -> (B, 1, scale H, scale W) with `model(low, scale)`, tiled (no seams), not clipped;
    `ensemble`: the mean over the 8 flips and rotations (8x slower, see pixelforge.edit.restore.ensemble)."""
    def upscale(low: torch.Tensor) -> torch.Tensor:
        return tiled(lambda x: model(x, scale), low, scale=scale, tile=tile, margin=model.receptive_radius + 2)

    with torch.no_grad():
        return self_ensemble(upscale, luma) if ensemble else upscale(luma)


def shipped_superres(network: str = "edsr") -> torch.nn.Module:
    """The shipped super-resolution network by name: "edsr" (quality) or "espcn" (fast)."""
    if network not in SUPERRES_NETWORKS:
        raise ConfigError(f"super-resolution network {network!r}: expected one of {', '.join(SUPERRES_NETWORKS)}")
    return shipped(SUPERRES_NETWORKS[network])


def superres_tensor(image: torch.Tensor, scale: int, model: torch.nn.Module | None = None,
                    tile: int = 128, network: str = "edsr", ensemble: bool = False) -> torch.Tensor:
    """float (C, H, W) in [0, 1], C = 1, 3 or 4 -> (C, scale H, scale W) in [0, 1]."""
    if scale not in SCALES:
        raise ConfigError(f"scale={scale}: expected one of {', '.join(map(str, SCALES))}")
    model = model if model is not None else shipped_superres(network)
    channels = image.shape[0]
    if channels == 1:
        return upscale_luma(model, image[None], scale, tile, ensemble)[0].clamp(0, 1)
    ycbcr = rgb_to_ycbcr(image[:3].double()).float()
    luma = upscale_luma(model, ycbcr[None, :1], scale, tile, ensemble)[0]
    chroma = imresize(ycbcr[1:3], scale)
    result = [ycbcr_to_rgb(torch.cat([luma, chroma]).double()).float()]
    if channels == 4:
        result.append(imresize(image[3:], scale))
    return torch.cat(result).clamp(0, 1)


def superres(image, scale: int = 2, model: torch.nn.Module | None = None, tile: int = 128, network: str = "edsr",
             ensemble: bool = False):
    """Upscale `image` by `scale` (2, 3 or 4) with the shipped `network` ("edsr" or the faster
    "espcn") or with `model`; `ensemble`: average over the 8 flips/rotations (8x slower, a bit sharper).

    `image`: a PIL image (L, RGB, RGBA kept), a numpy array (H, W[, C]) uint8 or float in [0, 1],
    or a tensor (C, H, W) / (1, C, H, W) float in [-1, 1] or uint8. Returns the same kind.
    Large images are processed in `tile` x `tile` tiles with overlap; the result has no seams.
    """
    pixels, back = from_any(image)
    return back(superres_tensor(pixels, scale, model, tile, network, ensemble))
