"""Classical inpainting baselines: OpenCV's Telea (fast marching, Telea 2004) and Navier-Stokes
(Bertalmio et al. 2001), and scikit-image's biharmonic inpainting.

Each takes an image (H, W, C) float in [0, 1] (C = 1 or 3) and a hole (H, W) bool (True = fill) and
returns float (H, W, C) in [0, 1]; the caller composites, so known pixels stay exact. OpenCV works
on 8-bit pixels, so its fill is quantized to 1/255.
"""

from __future__ import annotations

import cv2
import numpy as np

CLASSICAL_METHODS = ("telea", "navier-stokes", "biharmonic")
DEFAULT_RADIUS = 5


def _opencv(image: np.ndarray, hole: np.ndarray, flag: int, radius: int) -> np.ndarray:
    pixels = np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)
    filled = cv2.inpaint(pixels if pixels.shape[2] == 3 else pixels[..., 0], hole.astype(np.uint8), radius, flag)
    return filled.reshape(image.shape).astype(np.float32) / 255


def inpaint_telea(image: np.ndarray, hole: np.ndarray, radius: int = DEFAULT_RADIUS) -> np.ndarray:
    return _opencv(image, hole, cv2.INPAINT_TELEA, radius)


def inpaint_navier_stokes(image: np.ndarray, hole: np.ndarray, radius: int = DEFAULT_RADIUS) -> np.ndarray:
    return _opencv(image, hole, cv2.INPAINT_NS, radius)


def inpaint_biharmonic(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    from skimage.restoration import inpaint_biharmonic as biharmonic

    filled = biharmonic(image.astype(np.float64), hole, channel_axis=-1)
    return np.clip(filled, 0, 1).astype(np.float32)


def inpaint_classical(image: np.ndarray, hole: np.ndarray, method: str, **options) -> np.ndarray:
    functions = {"telea": inpaint_telea, "navier-stokes": inpaint_navier_stokes, "biharmonic": inpaint_biharmonic}
    return functions[method](image, hole, **options)


__all__ = ["CLASSICAL_METHODS", "DEFAULT_RADIUS", "inpaint_telea", "inpaint_navier_stokes", "inpaint_biharmonic",
           "inpaint_classical"]
