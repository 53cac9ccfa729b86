"""Uploaded images: decoded safely, with a clear message for anything the studio cannot use.

`read_upload` accepts a file path, bytes or a PIL image and returns an 8-bit gray or RGB
PIL image plus notes on what was converted. It refuses non-images, truncated or corrupt
files and images with more than `max_pixels` pixels (checked from the header, before the
pixels are decoded: a decompression bomb is never expanded).
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import DataError
from ..images import pil_to_tensor, tensor_to_pil

DEFAULT_MAX_PIXELS = 4_000_000


@dataclasses.dataclass
class Upload:
    image: Image.Image  # mode "L" or "RGB", 8 bits per channel
    notes: list[str]

    def message(self) -> str:
        size = f"{self.image.width}x{self.image.height} {'gray' if self.image.mode == 'L' else 'RGB'}"
        return "; ".join([f"loaded {size} image", *self.notes])


def _open(source) -> tuple[Image.Image, str]:
    if isinstance(source, Image.Image):
        return source, "the image"
    if isinstance(source, (bytes, bytearray)):
        return Image.open(io.BytesIO(source)), "the upload"
    path = Path(source)
    if not path.is_file():
        raise DataError(f"{path.name}: no such file")
    return Image.open(path), path.name


def read_upload(source, max_pixels: int = DEFAULT_MAX_PIXELS) -> Upload:
    """Decode `source` (path, bytes or PIL image) into an 8-bit "L" or "RGB" image; DataError if unusable."""
    try:
        image, name = _open(source)
    except DataError:
        raise
    except Image.DecompressionBombError as error:  # Pillow's own guard (over 2 x MAX_IMAGE_PIXELS) fired first
        raise DataError(f"the upload has too many pixels ({error}); this studio accepts at most "
                        f"{max_pixels:,} (`pixelforge studio --max-pixels N`)") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        label = Path(source).name if isinstance(source, (str, Path)) else "the upload"
        raise DataError(f"{label}: not an image file (expected PNG, JPEG, BMP, WebP, TIFF, GIF ...)") from None
    width, height = image.size
    if width * height > max_pixels:
        raise DataError(f"{name}: {width}x{height} = {width * height:,} pixels is more than this studio accepts "
                        f"({max_pixels:,}; `pixelforge studio --max-pixels N` raises the limit)")
    if width < 1 or height < 1:
        raise DataError(f"{name}: the image is empty ({width}x{height})")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise DataError(f"{name}: truncated or corrupt image file ({error})") from None
    return _normalise(image)


def _normalise(image: Image.Image) -> Upload:
    """Any Pillow mode -> "L" or "RGB", 8 bits, with a note for each conversion a user should know about."""
    notes = []
    mode = image.mode
    if getattr(image, "n_frames", 1) > 1:
        notes.append(f"first of {image.n_frames} frames used")
    if mode in ("L", "RGB"):
        return Upload(image.copy(), notes)
    if mode == "CMYK":
        notes.append("converted from CMYK to RGB")
        return Upload(image.convert("RGB"), notes)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        notes.append("transparency dropped (composited on white)")
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat = Image.alpha_composite(canvas, rgba).convert("RGB")
        return Upload(flat.convert("L") if mode == "LA" else flat, notes)
    if mode == "P":
        notes.append("palette image converted to RGB")
        return Upload(image.convert("RGB"), notes)
    if mode.startswith("I") or mode == "F":
        notes.append(f"{'16-bit' if mode.startswith('I;16') or mode == 'I' else 'floating-point'} gray "
                     f"scaled to 8 bits")
        return Upload(tensor_to_pil(pil_to_tensor(image, channels=1)), notes)
    if mode == "1":
        return Upload(image.convert("L"), notes)
    notes.append(f"converted from {mode} to RGB")
    return Upload(image.convert("RGB"), notes)


def read_mask(source, size: tuple[int, int]) -> np.ndarray:
    """A mask (H, W) bool, True = fill: from an image file (white = fill) or an editor layer (drawn = fill).

    A mask of another size is resized (nearest) to `size` = (width, height).
    """
    if isinstance(source, np.ndarray):
        array = source
    else:
        array = np.asarray(read_upload(source).image.convert("L"))
    if array.ndim == 3:  # an RGBA editor layer: drawn where alpha > 0, else bright pixels
        array = array[..., 3] if array.shape[2] == 4 else array.max(axis=2)
    mask = Image.fromarray((np.asarray(array) > 127).astype(np.uint8) * 255)
    if mask.size != size:
        mask = mask.resize(size, Image.NEAREST)
    return np.asarray(mask) > 127
