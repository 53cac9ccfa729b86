"""Diffusion editing on files: read a user's image (and mask) at the model's size, edit, write a PNG.

Images are converted to the model's channels, the shorter side resized to its size and the
centre cropped (as `edit invert` does). A mask is a gray image of the same size as the input:
white (>= 128) marks the pixels to FILL (the hole) and black the known pixels, kept exactly (the
convention of every `pixelforge edit inpaint` method; `edit complete` uses the opposite one).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from ..data.transforms import resize_and_center_crop
from ..errors import ConfigError, DataError
from ..images import output_image_path, read_image_uint8, save_image_grid
from ..runtime import make_generator
from .diffusion import check_diffusion_model, img2img, interpolate_images, repaint, strength_timestep
from .files import load_image_for_model


def load_known_mask(mask_path: str | Path, image_path: str | Path, model: nn.Module) -> Tensor:
    """The mask file as bool (1, 1, S, S), True where a pixel is known (BLACK in the file; white = fill).
    DataError when it is not the input image's size or marks nothing to fill."""
    from .inpainting.masks import read_mask

    image_size = tuple(read_image_uint8(image_path).shape[1:])
    hole = torch.from_numpy(read_mask(mask_path, image_size=image_size))      # (H, W), True = fill
    known_pixels = torch.where(hole, 0, 255).to(torch.uint8)[None, None]
    known = resize_and_center_crop(known_pixels, model.config.image_size) >= 128
    if bool(known.all()):
        raise DataError(f"{mask_path}: the mask marks no pixel to fill (expected white where to inpaint, "
                        f"black where the image is known)")
    return known


def inpaint_file(model: nn.Module, source: str | Path, mask: str | Path, out: str | Path, seed: int = 0,
                 label: int | None = None, **options) -> Path:
    """RePaint `source` where `mask` is white; write the result to `out`. `options` go to `repaint`."""
    check_diffusion_model(model)
    out = output_image_path(out)
    image = load_image_for_model(source, model)
    known = load_known_mask(mask, source, model)
    result = repaint(model, image.to(model.device), known, make_generator(seed, model.device), y=label, **options)
    return save_image_grid(result.float().cpu(), out)


def img2img_file(model: nn.Module, source: str | Path, out: str | Path, strength: float, seed: int = 0,
                 label: int | None = None, **options) -> Path:
    """SDEdit `source` at `strength`; write the result to `out`. `options` go to `img2img`."""
    check_diffusion_model(model)
    strength_timestep(model, strength)  # an out-of-range strength fails before any file is read
    out = output_image_path(out)
    image = load_image_for_model(source, model).to(model.device)
    result = img2img(model, image, strength, make_generator(seed, model.device), y=label, **options)
    return save_image_grid(result.float().cpu(), out)


def interpolate_files(model: nn.Module, first: str | Path, second: str | Path, out: str | Path,
                      num_images: int = 8, label: int | None = None, **options) -> Path:
    """Invert two image files, slerp between their DDIM noise, write the strip of `num_images` to `out`."""
    check_diffusion_model(model)
    if num_images < 2:
        raise ConfigError(f"--steps {num_images}: expected at least 2 images (the two ends)")
    out = output_image_path(out)
    images = [load_image_for_model(path, model).to(model.device) for path in (first, second)]
    options["steps"] = options.get("steps") or model.config.sampling_steps
    strip = interpolate_images(model, images[0], images[1], num_images, y=label, **options)
    return save_image_grid(strip.float().cpu(), out, nrow=num_images)


__all__ = ["load_known_mask", "inpaint_file", "img2img_file", "interpolate_files"]
