"""Image helpers used across pixelforge: pixel conversions, grids and image files.

The package-wide convention: a float image is a tensor (C, H, W), or a batch
(N, C, H, W), with values in [-1, 1] and C = 1 (gray) or 3 (RGB). A uint8 pixel
value v maps to v / 127.5 - 1, so 0 -> -1 and 255 -> 1.
"""

from __future__ import annotations

import math
import os
import uuid
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .errors import ConfigError, DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".webp")


def output_image_path(out: str | Path) -> Path:
    """`out` as a Path; ConfigError unless it ends in one of IMAGE_SUFFIXES (checked before any work)."""
    out = Path(out)
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise ConfigError(f"{out}: expected an output image file ending in one of {', '.join(IMAGE_SUFFIXES)}")
    return out
_GRAY_MODES = ("1", "L", "LA")


def to_float(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 pixels (any shape) in [0, 255] -> float32 in [-1, 1]."""
    return pixels.to(torch.float32) / 127.5 - 1.0


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """float images (any shape) in [-1, 1] -> uint8 in [0, 255]; values outside are clipped."""
    return ((images.detach().to(torch.float32) + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8)


def _check_channels(channels: int | None) -> None:
    if channels not in (None, 1, 3):
        raise ConfigError(f"channels={channels!r}: expected None (keep), 1 (gray) or 3 (RGB)")


def _pil_to_uint8(image: Image.Image, channels: int | None) -> torch.Tensor:
    """A PIL image -> uint8 (C, H, W); C is `channels`, else 1 for gray modes and 3 otherwise."""
    if image.mode.startswith("I") or image.mode == "F":
        # 16-bit PNG/PGM files hold 0..65535; Pillow's convert("L") would clip them rather than scale.
        values = np.asarray(image, dtype=np.float64)
        if image.mode.startswith("I;16") or values.max(initial=0) > 255:
            values = values / 257.0
        image = Image.fromarray(np.clip(np.round(values), 0, 255).astype(np.uint8), "L")
    wanted = channels or (1 if image.mode in _GRAY_MODES else 3)
    # convert("L") uses ITU-R 601-2 luma; RGBA/LA lose their alpha channel.
    array = np.array(image.convert("L" if wanted == 1 else "RGB"), dtype=np.uint8)
    tensor = torch.from_numpy(array)
    return tensor.unsqueeze(0) if tensor.ndim == 2 else tensor.permute(2, 0, 1).contiguous()


def read_image_uint8(path: str | Path, channels: int | None = None) -> torch.Tensor:
    """Read an image file as uint8 (C, H, W) in [0, 255].

    `channels` None keeps the file's own kind (1 for gray, 3 for anything with
    colour or a palette); 1 or 3 converts. Raises DataError when the file is
    missing, is not one of IMAGE_SUFFIXES, or cannot be decoded.
    """
    _check_channels(channels)
    path = Path(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise DataError(f"{path}: not an image file; expected one of {', '.join(IMAGE_SUFFIXES)}")
    if not path.is_file():
        raise DataError(f"{path}: no such image file")
    try:
        with Image.open(path) as image:
            image.load()
            return _pil_to_uint8(image, channels)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise DataError(f"{path}: cannot decode the image ({error}); expected a valid "
                        f"{path.suffix.lower().lstrip('.').upper()} file") from None


def load_image(path: str | Path, channels: int | None = None) -> torch.Tensor:
    """Read an image file as float32 (C, H, W) in [-1, 1]; see `read_image_uint8` for `channels`."""
    return to_float(read_image_uint8(path, channels))


def pil_to_tensor(image: Image.Image, channels: int | None = None) -> torch.Tensor:
    """A PIL image -> float32 (C, H, W) in [-1, 1]; `channels` as in `read_image_uint8`."""
    _check_channels(channels)
    return to_float(_pil_to_uint8(image, channels))


def tensor_to_pil(image: torch.Tensor) -> Image.Image:
    """float (C, H, W) or (H, W) in [-1, 1] -> PIL image, mode "L" (C = 1 or 2-D) or "RGB" (C = 3)."""
    if image.ndim == 2:
        image = image.unsqueeze(0)
    if image.ndim != 3 or image.shape[0] not in (1, 3):
        raise DataError(f"image of shape {tuple(image.shape)}: expected (C, H, W) with C = 1 or 3, or (H, W)")
    array = to_uint8(image.cpu()).permute(1, 2, 0).numpy()
    return Image.fromarray(array[:, :, 0], "L") if array.shape[2] == 1 else Image.fromarray(array, "RGB")


def make_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 2,
              pad_value: int = 0) -> np.ndarray:
    """Tile images (N, C, H, W) in [-1, 1] into one uint8 array (rows, columns, C).

    `nrow` images per row (default ceil(sqrt(N))); `padding` pixels of
    `pad_value` (0..255) around and between the images.
    """
    if images.ndim == 3:
        images = images.unsqueeze(0)
    if images.ndim != 4 or images.shape[1] not in (1, 3) or images.shape[0] == 0:
        raise DataError(f"images of shape {tuple(images.shape)}: expected (N, C, H, W) with N >= 1, C = 1 or 3")
    count, channels, height, width = images.shape
    per_row = nrow or math.ceil(math.sqrt(count))
    if per_row < 1:
        raise ConfigError(f"nrow={nrow}: expected a positive number of images per row")
    rows = math.ceil(count / per_row)
    grid = np.full((rows * (height + padding) + padding, per_row * (width + padding) + padding, channels),
                   pad_value, dtype=np.uint8)
    pixels = to_uint8(images.cpu()).permute(0, 2, 3, 1).numpy()  # (N, H, W, C)
    for index in range(count):
        top = padding + (index // per_row) * (height + padding)
        left = padding + (index % per_row) * (width + padding)
        grid[top:top + height, left:left + width] = pixels[index]
    return grid


def save_image_grid(images: torch.Tensor, path: str | Path, nrow: int | None = None) -> Path:
    """Save images (N, C, H, W) in [-1, 1] as one grid image (format from the suffix, e.g. .png).

    The file is written to a temporary name beside `path` and moved into place
    with os.replace, so a reader never sees a half-written file.
    """
    path = Path(path)
    image_format = Image.registered_extensions().get(path.suffix.lower())
    if image_format is None:
        raise DataError(f"{path}: unknown image suffix; expected e.g. .png")
    grid = make_grid(images, nrow)
    picture = Image.fromarray(grid[:, :, 0], "L") if grid.shape[2] == 1 else Image.fromarray(grid, "RGB")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        picture.save(temporary, format=image_format)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
