"""Inpainting on files: `pixelforge edit inpaint IN OUT --mask MASK [--method ...]`.

The mask file is a gray image of IN's size, white = FILL (the hole), black = keep (see masks.py:
soft gray levels are thresholded at 128; colour or transparent masks are an error). Gray, RGB and
RGBA inputs keep their mode. "diffusion" runs RePaint and "inversion" inverts a GAN or VAE at the
model's size (the image and mask are resized and centre-cropped to it, see
pixelforge/edit/diffusion_files.py and pixelforge/edit/files.py).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from ...errors import ConfigError, DataError
from ...images import output_image_path
from .api import METHODS, inpaint
from .masks import read_mask

FILE_METHODS = tuple(method for method in METHODS if method != "autoregressive")


def read_image_file(path: str | Path) -> Image.Image:
    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            return image.copy()
    except FileNotFoundError:
        raise DataError(f"{path}: no such image file") from None
    except OSError as error:
        raise DataError(f"{path}: not a readable image ({error})") from None


def inpaint_file(source: str | Path, mask: str | Path, out: str | Path, method: str = "learned",
                 model: str | Path | None = None, seed: int = 0, device: str = "auto", **options) -> Path:
    """Fill the white pixels of `mask` in `source` by `method`; write `out`. Returns `out`."""
    if method not in FILE_METHODS:
        raise ConfigError(f"--method {method}: expected one of {', '.join(FILE_METHODS)}")
    out = output_image_path(out)
    if options.get("ensemble") and method != "learned":
        raise ConfigError(f"--ensemble is for --method learned, not {method}")
    if method in ("diffusion", "inversion"):
        return _model_file(source, mask, out, method, model, seed, device, **options)
    if model is not None and method != "learned":
        raise ConfigError(f"--model is for --method learned, diffusion or inversion, not {method}")
    image = read_image_file(source)
    hole = read_mask(mask, image_size=(image.height, image.width))
    if not hole.any():
        raise DataError(f"{mask}: the mask marks no pixel to fill (expected white where to fill, black to keep)")
    result = inpaint(image, hole, method=method, model=model, seed=seed, **options)
    out.parent.mkdir(parents=True, exist_ok=True)
    result.save(out)
    return out


def _model_file(source, mask, out, method, model, seed, device, **options) -> Path:
    from ...runtime import choose_device
    from ...train import load
    from ..diffusion_files import inpaint_file as repaint_file
    from ..files import inpaint_by_inversion_file

    if model is None:
        kind = "a diffusion" if method == "diffusion" else "a GAN or VAE"
        raise ConfigError(f"--method {method} needs --model: {kind} checkpoint folder or run folder")
    network = load(model, device=choose_device(device))
    fill = repaint_file if method == "diffusion" else inpaint_by_inversion_file
    return fill(network, source, mask, out, seed=seed, **options)


__all__ = ["FILE_METHODS", "inpaint_file", "read_image_file"]
