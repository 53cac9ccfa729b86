"""Reading and writing image files for the per-pixel editors (style, colorize): alpha is kept aside."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ...errors import ConfigError, DataError
from ...images import IMAGE_SUFFIXES, read_image_uint8, tensor_to_pil, to_float


def read_with_alpha(path: str | Path) -> tuple[torch.Tensor, torch.Tensor | None]:
    """An image file -> (pixels (C, H, W) in [-1, 1] with C = 1 or 3, alpha uint8 (H, W) or None)."""
    image = read_image_uint8(path)  # raises DataError for a missing or undecodable file
    alpha = None
    with Image.open(path) as opened:
        if opened.mode in ("RGBA", "LA", "PA") or (opened.mode == "P" and "transparency" in opened.info):
            alpha = torch.from_numpy(np.array(opened.convert("RGBA"))[:, :, 3].copy())
    return to_float(image), alpha


def save_with_alpha(image: torch.Tensor, alpha: torch.Tensor | None, path: str | Path) -> Path:
    """Save (C, H, W) in [-1, 1] (plus an optional uint8 alpha (H, W)) to PATH; the folder is created."""
    path = Path(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise DataError(f"{path}: unsupported output type; expected one of {', '.join(IMAGE_SUFFIXES)}")
    picture = tensor_to_pil(image)
    if alpha is not None:
        if path.suffix.lower() in (".jpg", ".jpeg", ".bmp", ".ppm", ".pgm"):
            raise DataError(f"{path}: the input has an alpha channel; save it as .png or .webp to keep it")
        picture = picture.convert("RGBA")
        picture.putalpha(Image.fromarray(alpha.numpy(), "L"))
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(path)
    return path


def stylize_file(source: str | Path, destination: str | Path, style_image: str | Path | None = None,
                 fast: str | Path | None = None, steps: int = 300, max_size: int = 512) -> dict:
    """Stylize an image file: by optimization against `style_image`, or with a fast network (`fast`:
    a shipped style name or a weights folder). Gray inputs come out RGB (style brings colour);
    RGBA inputs keep their alpha. The work happens with the long side at most `max_size` pixels;
    the result is resized back to the input's size. Returns {"path", and for optimization the
    final "content" and "style" losses}."""
    from .fast import load_style_network, stylize_fast
    from .optimize import resize_long_side, stylize_optimize

    if (style_image is None) == (fast is None):
        raise ConfigError("give exactly one of a style image (optimization) or a fast style model")
    if max_size < 80:
        raise ConfigError(f"max_size={max_size}: expected at least 80 pixels (the feature network's minimum)")
    image, alpha = read_with_alpha(source)
    height, width = image.shape[-2:]
    work = image[None].expand(-1, 3, -1, -1)
    if max(height, width) > max_size:
        work = resize_long_side(work, max_size)
    report: dict = {}
    if fast is not None:
        result = stylize_fast(load_style_network(fast), work)
    else:
        style = read_with_alpha(style_image)[0][None]
        style = resize_long_side(style, max(work.shape[-2:]))
        outcome = stylize_optimize(work, style, steps=steps)
        result = outcome.image
        report = {key: outcome.history[-1][key] for key in ("content", "style")}
    if result.shape[-2:] != (height, width):
        result = torch.nn.functional.interpolate(result, size=(height, width), mode="bilinear", align_corners=False)
    return {"path": str(save_with_alpha(result[0].clamp(-1, 1), alpha, destination)), **report}
