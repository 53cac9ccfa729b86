"""Accepting and returning images as torch tensors, numpy arrays or PIL images.

Internally an image is float32 (C, H, W) in [0, 1] with C = 1 (gray), 3 (RGB) or 4 (RGBA);
`from_any` converts in and returns a function that converts a result back to the caller's
kind: a PIL image keeps its mode (L, RGB, RGBA; other modes become RGB or RGBA), a numpy
uint8 array (H, W) / (H, W, C) stays uint8, a float array stays float in [0, 1], a float
tensor (C, H, W) or (1, C, H, W) stays in pixelforge's [-1, 1] convention, a uint8 tensor stays uint8.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from PIL import Image

from ...errors import DataError

# MATLAB rgb2ycbcr (ITU-R BT.601) on [0, 1] RGB, giving 0..255 YCbCr; metrics use the same Y.
YCBCR_MATRIX = torch.tensor([[65.481, 128.553, 24.966], [-37.797, -74.203, 112.0], [112.0, -93.786, -18.214]],
                            dtype=torch.float64)
YCBCR_OFFSET = torch.tensor([16.0, 128.0, 128.0], dtype=torch.float64)


def rgb_to_ycbcr(rgb: torch.Tensor) -> torch.Tensor:
    """(3, H, W) RGB in [0, 1] -> (3, H, W) YCbCr in [0, 1] (Y in [16/255, 235/255])."""
    matrix = YCBCR_MATRIX.to(rgb.dtype)
    return (torch.einsum("ij,jhw->ihw", matrix, rgb) + YCBCR_OFFSET.to(rgb.dtype)[:, None, None]) / 255


def ycbcr_to_rgb(ycbcr: torch.Tensor) -> torch.Tensor:
    """The inverse of rgb_to_ycbcr (values not clipped)."""
    inverse = torch.linalg.inv(YCBCR_MATRIX).to(ycbcr.dtype)
    return torch.einsum("ij,jhw->ihw", inverse, ycbcr * 255 - YCBCR_OFFSET.to(ycbcr.dtype)[:, None, None])


def _from_pil(image: Image.Image):
    mode = image.mode
    if mode not in ("L", "RGB", "RGBA"):
        has_alpha = mode in ("LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info)
        mode = "RGBA" if has_alpha else ("L" if mode in ("1", "I", "I;16", "F") else "RGB")
        image = image.convert(mode)
    array = np.asarray(image, dtype=np.float32) / 255
    array = array[None] if array.ndim == 2 else array.transpose(2, 0, 1)

    def back(result: torch.Tensor) -> Image.Image:
        pixels = (result.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
        return Image.fromarray(pixels[0] if mode == "L" else pixels.transpose(1, 2, 0), mode)
    return torch.from_numpy(array.copy()), back


def _from_array(array: np.ndarray):
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)):
        raise DataError(f"array of shape {array.shape}: expected (H, W) or (H, W, C) with C = 1, 3 or 4")
    is_uint8 = array.dtype == np.uint8
    values = torch.from_numpy(np.asarray(array, dtype=np.float32).copy())
    values = values / 255 if is_uint8 else values
    image = values[None] if array.ndim == 2 else values.permute(2, 0, 1)

    def back(result: torch.Tensor) -> np.ndarray:
        out = result.clamp(0, 1)
        out = out[0] if array.ndim == 2 else out.permute(1, 2, 0)
        return (out * 255).round().to(torch.uint8).numpy() if is_uint8 else out.numpy().astype(array.dtype)
    return image, back


def _from_tensor(tensor: torch.Tensor):
    batched = tensor.ndim == 4
    if not (tensor.ndim == 3 or (batched and tensor.shape[0] == 1)) or tensor.shape[-3] not in (1, 3, 4):
        raise DataError(f"tensor of shape {tuple(tensor.shape)}: expected (C, H, W) or (1, C, H, W), C = 1, 3 or 4")
    is_uint8 = tensor.dtype == torch.uint8
    values = tensor.detach().cpu().float().reshape(tensor.shape[-3:])
    image = values / 255 if is_uint8 else (values + 1) / 2

    def back(result: torch.Tensor) -> torch.Tensor:
        out = (result.clamp(0, 1) * 255).round().to(torch.uint8) if is_uint8 else result.clamp(0, 1) * 2 - 1
        return (out[None] if batched else out).to(tensor.device)
    return image, back


def from_any(image) -> tuple[torch.Tensor, Callable]:
    """(float32 (C, H, W) in [0, 1], a function turning a result of that kind back into the caller's kind)."""
    if isinstance(image, Image.Image):
        return _from_pil(image)
    if isinstance(image, np.ndarray):
        return _from_array(image)
    if isinstance(image, torch.Tensor):
        return _from_tensor(image)
    raise DataError(f"image of type {type(image).__name__}: expected a torch tensor, numpy array or PIL image")
