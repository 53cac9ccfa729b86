"""Editing operations as the studio calls them: PIL image in, PIL image out.

Each operation calls a library function (pixelforge.edit.*) found at call time, so an
install without that function says which part is missing instead of failing to start.
Always available: OpenCV Telea inpainting (Telea 2004; used directly only when
pixelforge.edit.inpainting is missing) and bicubic resizing (MATLAB's imresize).
"""

from __future__ import annotations

import importlib
from typing import Callable

import numpy as np
import torch
from PIL import Image

from ..errors import ConfigError, PixelforgeError
from ..images import pil_to_tensor, tensor_to_pil

# Where each learned operation lives, and what builds it (shown when it is not available).
LIBRARY = {
    "inpaint": ("pixelforge.edit.inpainting", "inpaint", "python benchmarks/inpaint.py --phase train"),
    "superres": ("pixelforge.edit.restore", "superres", "python benchmarks/superres.py --train"),
    "denoise": ("pixelforge.edit.restore", "denoise", "python benchmarks/denoise.py --train"),
    "restyle": ("pixelforge.edit.style", "stylize_fast", "python benchmarks/style_transfer.py train"),
    "colorize": ("pixelforge.edit.colorize", "colorize", "python benchmarks/colorize.py train"),
}
MODEL_INPAINTING = ("diffusion", "autoregressive", "inversion")  # need a loaded generative model: not offered on photos


class NotAvailable(PixelforgeError):
    """An operation whose library function (or its weights) is not in this install."""


def missing(operation: str, reason: str = "") -> NotAvailable:
    """The "not available: ..." error of `operation`, naming the command that builds what is missing."""
    module_name, attribute, command = LIBRARY[operation]
    reason = reason or f"{module_name}.{attribute} is not in this install"
    hint = "" if "benchmarks/" in reason else f" (built by `{command}`)"
    return NotAvailable(f"not available: {reason}{hint}")


def library_function(operation: str) -> Callable:
    module_name, attribute, _ = LIBRARY[operation]
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError):
        raise missing(operation) from None
    if not callable(function):
        raise missing(operation)
    return function


def available(operation: str) -> str | None:
    """None when `operation` can run, else the "not available: ..." message."""
    try:
        library_function(operation)
    except NotAvailable as missing:
        return str(missing)
    return None


def _to_pil(result, like: Image.Image) -> Image.Image:
    if isinstance(result, tuple):
        result = result[0]
    if isinstance(result, Image.Image):
        return result.convert(like.mode) if result.mode not in ("L", "RGB") else result
    if isinstance(result, np.ndarray):
        array = result if result.dtype == np.uint8 else np.clip(np.round(result * 255), 0, 255).astype(np.uint8)
        return Image.fromarray(array.squeeze())
    if isinstance(result, torch.Tensor):
        return tensor_to_pil(result[0] if result.ndim == 4 else result)
    raise ConfigError(f"the library returned {type(result).__name__}; expected an image")


def _call(operation: str, image: Image.Image, *args, **options) -> Image.Image:
    function = library_function(operation)
    try:
        result = function(image, *args, **options)
    except TypeError as error:  # a signature this studio does not know
        raise missing(operation, f"{LIBRARY[operation][0]}.{LIBRARY[operation][1]}: {error}") from None
    except NotAvailable:
        raise
    except (FileNotFoundError, PixelforgeError) as error:  # e.g. weights not shipped yet
        raise missing(operation, str(error)) from None
    return _to_pil(result, image)


def inpaint_telea(image: Image.Image, hole: np.ndarray, radius: int = 5) -> Image.Image:
    """OpenCV's fast marching inpainting (Telea 2004): fills `hole` (H, W) bool, keeps every other pixel."""
    import cv2

    array = np.asarray(image)
    filled = cv2.inpaint(array, hole.astype(np.uint8) * 255, radius, cv2.INPAINT_TELEA)
    return Image.fromarray(np.where(hole[..., None] if array.ndim == 3 else hole, filled, array))


LEARNED_ENSEMBLE = "learned x8"   # the learned network averaged over 8 orientations (ensemble=True)


def inpaint_methods() -> list[str]:
    """The inpainting methods the studio offers on photos: the library's (with the learned network's
    self-ensemble after it), or OpenCV Telea alone."""
    try:
        methods = importlib.import_module("pixelforge.edit.inpainting").METHODS
    except (ImportError, AttributeError):
        return ["telea"]
    offered = [m for m in methods if m not in MODEL_INPAINTING]
    if "learned" in offered:
        offered.insert(offered.index("learned") + 1, LEARNED_ENSEMBLE)
    return offered


def default_inpaint_method() -> str:
    """The shipped learned network: 0.9-1.1 dB above OpenCV Telea, the best classical method, on
    CBSD68/Kodak24 (benchmarks/results/inpaint.json; x8 adds 0.1 dB for 8x the time); Telea when the
    library's methods are missing."""
    return "learned" if "learned" in inpaint_methods() else "telea"


def inpaint(image: Image.Image, hole: np.ndarray, method: str = "telea") -> Image.Image:
    """Fill `hole` (True = fill) by `method` of pixelforge.edit.inpainting ("telea" works without it: OpenCV).
    Known pixels are kept exactly, whatever the method."""
    if not hole.any():
        raise ConfigError("the mask is empty: draw over (or upload a white-on-black mask of) the part to fill")
    if method in MODEL_INPAINTING:
        raise ConfigError(f"method {method!r} needs a diffusion, autoregressive, GAN or VAE model: use "
                          f"`pixelforge edit inpaint` / `edit complete` with a checkpoint")
    if method == "telea" and available("inpaint") is not None:
        result = inpaint_telea(image, hole)
    elif method == LEARNED_ENSEMBLE:
        result = _call("inpaint", image, hole, method="learned", ensemble=True)
    else:
        result = _call("inpaint", image, hole, method=method)
    array, known = np.asarray(result.convert(image.mode)), ~hole
    if array.shape[:2] != hole.shape:
        raise ConfigError(f"inpainting returned {array.shape[1]}x{array.shape[0]}; expected the input's size")
    original = np.asarray(image)
    kept = np.where(known[..., None] if original.ndim == 3 else known, original, array)
    return Image.fromarray(kept)


def superres(image: Image.Image, scale: int, method: str = "network") -> Image.Image:
    """Upscale by `scale`: the library's quality network ("network", EDSR), its fast one ("fast network",
    ESPCN), or "bicubic" (MATLAB imresize)."""
    if method == "bicubic":
        from ..edit.restore.resize import imresize

        return tensor_to_pil(imresize(pil_to_tensor(image), float(scale)).clamp(-1, 1))
    return _call("superres", image, scale=scale, network="espcn" if method == "fast network" else "edsr")


def denoise(image: Image.Image, sigma: float | None = None) -> Image.Image:
    return _call("denoise", image, sigma=sigma) if sigma else _call("denoise", image)


def style_choices() -> list[str]:
    try:
        return list(importlib.import_module("pixelforge.edit.style").shipped_styles())
    except (ImportError, AttributeError):
        return []


def restyle(image: Image.Image, style: str) -> Image.Image:
    """Repaint `image` with a shipped fast style network (Johnson et al. 2016) named `style`."""
    function = library_function("restyle")
    if not style:
        shipped = style_choices()
        if not shipped:
            raise missing("restyle", "no shipped style network")
        style = shipped[0]
    try:
        from ..edit.style import load_style_network

        network = load_style_network(style)
    except (ImportError, FileNotFoundError, PixelforgeError) as error:
        raise missing("restyle", f"style {style!r}: {error}") from None
    with torch.no_grad():
        return tensor_to_pil(function(network, pil_to_tensor(image)[None])[0])


def colorize(image: Image.Image) -> Image.Image:
    function = library_function("colorize")
    try:
        from ..edit.colorize import load_colorizer

        model = load_colorizer()
    except (ImportError, FileNotFoundError, PixelforgeError) as error:
        raise missing("colorize", str(error)) from None
    with torch.no_grad():
        return tensor_to_pil(function(model, pil_to_tensor(image)[None])[0])


def readiness() -> dict[str, str]:
    """Operation -> "not available: ..." for each learned edit that cannot run here (function or weights
    missing), found by running it on a tiny image (well under a second in all)."""
    probe = Image.new("RGB", (16, 16), (120, 90, 60))
    hole = np.zeros((16, 16), bool)
    hole[4:8, 4:8] = True
    trials = {"inpaint": lambda: inpaint(probe, hole, "learned"), "superres": lambda: superres(probe, 2),
              "denoise": lambda: denoise(probe), "restyle": lambda: restyle(probe, ""),
              "colorize": lambda: colorize(probe)}
    missing = {}
    for operation, trial in trials.items():
        try:
            trial()
        except NotAvailable as error:
            missing[operation] = str(error)
        except Exception as error:  # noqa: BLE001 (reported, never fatal at start-up)
            missing[operation] = f"not available: {type(error).__name__}: {error}"
    return missing
