"""File-to-file super-resolution and denoising (what the CLI calls)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ...errors import DataError
from .denoise import denoise
from .superres import superres


def _read(path: str | Path) -> Image.Image:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such image file")
    try:
        with Image.open(path) as image:
            image.load()
            return image.copy()
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise DataError(f"{path}: cannot read it as an image ({error})") from None


def _write(image: Image.Image, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        image.save(path)
    except (OSError, ValueError, KeyError) as error:
        raise DataError(f"{path}: cannot write the image ({error})") from None
    return path


def superres_file(source: str | Path, target: str | Path, scale: int = 2, network: str = "edsr",
                  ensemble: bool = False) -> Image.Image:
    """Upscale the image file SOURCE by `scale` with the shipped `network` into TARGET (format from its
    suffix); returns the result."""
    result = superres(_read(source), scale, network=network, ensemble=ensemble)
    _write(result, target)
    return result


def denoise_file(source: str | Path, target: str | Path, sigma: float | None = None,
                 ensemble: bool = False, specialist: bool = True) -> Image.Image:
    """Denoise the image file SOURCE into TARGET; returns the result."""
    result = denoise(_read(source), sigma, ensemble=ensemble, specialist=specialist)
    _write(result, target)
    return result
