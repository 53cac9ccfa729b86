"""Inpainting masks: read a mask image (white = FILL, the hole) or generate one with a seed.

Convention everywhere in `pixelforge.edit.inpainting`: a mask is a bool array/tensor, True where the
pixel is unknown and must be filled (the hole), False where it is known and kept exactly.

    hole = generate_mask(512, 768, kind="free-form", coverage=(0.2, 0.3), seed=0)   # (H, W) bool
    hole = read_mask("mask.png", image_size=(512, 768))

Generated kinds (`MASK_KINDS`): "free-form" (thick random-walk brush strokes, as in the
DeepFill v2 / LaMa training masks), "boxes" (axis-aligned rectangles), "scratches" (thin
text-like strokes and short line segments) and "mixed" (strokes and boxes). Shapes are added
until the hole covers at least coverage[0] of the image; a draw that overshoots coverage[1] is
redone, so the result always lies in the range.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ...errors import ConfigError, DataError

MASK_KINDS = ("free-form", "boxes", "scratches", "mixed")
# Gray levels >= this are white (hole). Anything else in (0, 255) is a soft edge (antialiasing,
# JPEG): thresholded at 128 rather than refused, and documented as such.
THRESHOLD = 128


def read_mask(path: str | Path, image_size: tuple[int, int] | None = None) -> np.ndarray:
    """A mask image -> bool (H, W), True where white (>= 128: the hole to fill).

    Accepts 1-bit, gray, gray+alpha, RGB or RGBA files; colour masks must be gray (R = G = B) and
    an alpha channel must be fully opaque, otherwise the meaning is ambiguous and a DataError
    says so. `image_size` (H, W): DataError unless the mask has that size."""
    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            mask = np.asarray(image)
            mode = image.mode
    except FileNotFoundError:
        raise DataError(f"{path}: no such mask file") from None
    except OSError as error:
        raise DataError(f"{path}: not a readable image ({error})") from None
    return mask_from_array(mask, mode, image_size, str(path))


def mask_from_array(mask: np.ndarray, mode: str = "L", image_size: tuple[int, int] | None = None,
                    name: str = "mask") -> np.ndarray:
    """A mask as pixels (H, W) or (H, W, C) of an image `mode` -> bool (H, W), True = hole."""
    if mode == "1" or mask.dtype == bool:
        hole = mask.astype(bool)
    elif mode in ("L", "I", "I;16", "F") or mask.ndim == 2:
        hole = mask >= (THRESHOLD if mode != "F" else 0.5)
    elif mode in ("LA", "RGB", "RGBA") and mask.ndim == 3:
        colour = mask[..., :3] if mode != "LA" else mask[..., :1]
        if mode in ("LA", "RGBA") and (mask[..., -1] != 255).any():
            raise DataError(f"{name}: the mask has transparent pixels; expected an opaque gray image "
                            f"(white = fill, black = keep)")
        if (colour != colour[..., :1]).any():
            raise DataError(f"{name}: the mask has coloured pixels; expected a gray image (white = fill, black = keep)")
        hole = colour[..., 0] >= THRESHOLD
    else:
        raise DataError(f"{name}: a mask image of mode {mode}; expected a gray image (white = fill, black = keep)")
    if image_size is not None and tuple(hole.shape) != tuple(image_size):
        raise DataError(f"{name}: the mask is {hole.shape[1]}x{hole.shape[0]} pixels but the image is "
                        f"{image_size[1]}x{image_size[0]}: expected the same size")
    return np.ascontiguousarray(hole)


def _stroke(canvas: np.ndarray, rng: np.random.Generator, max_width: int, max_vertices: int) -> None:
    """One random-walk brush stroke of thick line segments with round joints."""
    height, width = canvas.shape
    scale = min(height, width)
    y, x = int(rng.integers(height)), int(rng.integers(width))
    thickness = int(rng.integers(max(2, max_width // 3), max_width + 1))
    angle = rng.uniform(0, 2 * np.pi)
    for _ in range(int(rng.integers(2, max_vertices + 1))):
        angle += rng.uniform(-np.pi / 2, np.pi / 2)
        length = rng.uniform(0.05, 0.25) * scale
        new_x = int(np.clip(x + length * np.cos(angle), 0, width - 1))
        new_y = int(np.clip(y + length * np.sin(angle), 0, height - 1))
        cv2.line(canvas, (x, y), (new_x, new_y), 1, thickness)
        cv2.circle(canvas, (new_x, new_y), thickness // 2, 1, -1)
        x, y = new_x, new_y


def _box(canvas: np.ndarray, rng: np.random.Generator) -> None:
    height, width = canvas.shape
    box_height = int(rng.uniform(0.08, 0.35) * height) + 1
    box_width = int(rng.uniform(0.08, 0.35) * width) + 1
    top, left = int(rng.integers(0, height - box_height + 1)), int(rng.integers(0, width - box_width + 1))
    canvas[top:top + box_height, left:left + box_width] = 1


def _add_shape(canvas: np.ndarray, kind: str, rng: np.random.Generator) -> None:
    scale = min(canvas.shape)
    if kind == "mixed":
        kind = "boxes" if rng.random() < 0.3 else "free-form"
    if kind == "free-form":
        _stroke(canvas, rng, max_width=max(4, scale // 12), max_vertices=8)
    elif kind == "boxes":
        _box(canvas, rng)
    else:  # scratches: thin, short, many (text-like)
        _stroke(canvas, rng, max_width=max(2, scale // 40), max_vertices=4)


def generate_mask(height: int, width: int, kind: str = "free-form", coverage: tuple[float, float] = (0.2, 0.3),
                  seed: int | np.random.Generator = 0) -> np.ndarray:
    """A seeded random hole mask: bool (height, width), True = fill, whose hole fraction lies in
    [coverage[0], coverage[1]]. The same seed gives the same mask."""
    if kind not in MASK_KINDS:
        raise ConfigError(f"mask kind {kind!r}: expected one of {', '.join(MASK_KINDS)}")
    low, high = coverage
    if not 0 <= low < high <= 1:
        raise ConfigError(f"coverage={coverage}: expected 0 <= low < high <= 1")
    if height < 8 or width < 8:
        raise ConfigError(f"mask size {width}x{height}: expected at least 8x8")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    canvas = np.zeros((height, width), np.uint8)
    for _ in range(10_000):
        trial = canvas.copy()
        _add_shape(trial, kind, rng)
        fraction = trial.mean()
        if fraction <= high:
            canvas = trial
            if fraction >= low:
                return canvas.astype(bool)
    raise ConfigError(f"could not draw a {kind} mask of {width}x{height} with coverage in {coverage}")


def coverage_of(hole: np.ndarray) -> float:
    """Fraction of pixels in the hole."""
    return float(np.asarray(hole, bool).mean())


def save_mask(hole: np.ndarray, path: str | Path) -> Path:
    """Write a bool hole mask as a gray PNG: white = fill, black = keep."""
    path = Path(path)
    Image.fromarray(np.where(hole, 255, 0).astype(np.uint8), mode="L").save(path)
    return path


__all__ = ["MASK_KINDS", "THRESHOLD", "read_mask", "mask_from_array", "generate_mask", "coverage_of", "save_mask"]
