"""Diffusion editing on files: read a user's image (and mask) at the model's size, edit, write a PNG.

Images are converted to the model's channels, the shorter side resized to its size and the
centre cropped (as `edit invert` does). A mask is a gray image of the same size as the input:
white (>= 128) marks the known pixels, kept exactly, and black the pixels to fill in (the same
convention as `edit complete`).
"""

from __future__ import annotations

from pathlib import Path

from torch import Tensor, nn

from ..data.transforms import resize_and_center_crop
from ..errors import ConfigError, DataError
from ..images import IMAGE_SUFFIXES, read_image_uint8, save_image_grid
from ..runtime import make_generator
from .diffusion import check_diffusion_model, img2img, inpaint, interpolate_images, strength_timestep
from .files import load_image_for_model


def _check_output(out: str | Path) -> Path:
    out = Path(out)
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise ConfigError(f"{out}: expected an output image file ending in one of {', '.join(IMAGE_SUFFIXES)}")
    return out


def load_known_mask(mask_path: str | Path, image_path: str | Path, model: nn.Module) -> Tensor:
    """The mask file as bool (1, 1, S, S), True where a pixel is known (white in the file). DataError when
    it is not the input image's size or marks nothing to fill."""
    mask = read_image_uint8(mask_path, channels=1)                      # (1, H, W)
    image_size = tuple(read_image_uint8(image_path).shape[1:])
    if tuple(mask.shape[1:]) != image_size:
        raise DataError(f"{mask_path}: the mask is {mask.shape[2]}x{mask.shape[1]} pixels but {image_path} is "
                        f"{image_size[1]}x{image_size[0]}: expected the same size")
    known = resize_and_center_crop(mask[None], model.config.image_size) >= 128
    if bool(known.all()):
        raise DataError(f"{mask_path}: the mask marks no pixel to fill (expected white where the image is "
                        f"known, black where to inpaint)")
    return known


def inpaint_file(model: nn.Module, source: str | Path, mask: str | Path, out: str | Path, seed: int = 0,
                 label: int | None = None, **options) -> Path:
    """Inpaint `source` where `mask` is black; write the result to `out`. `options` go to `inpaint`."""
    check_diffusion_model(model)
    out = _check_output(out)
    image = load_image_for_model(source, model)
    known = load_known_mask(mask, source, model)
    result = inpaint(model, image.to(model.device), known, make_generator(seed, model.device), y=label, **options)
    return save_image_grid(result.float().cpu(), out)


def img2img_file(model: nn.Module, source: str | Path, out: str | Path, strength: float, seed: int = 0,
                 label: int | None = None, **options) -> Path:
    """SDEdit `source` at `strength`; write the result to `out`. `options` go to `img2img`."""
    check_diffusion_model(model)
    strength_timestep(model, strength)  # an out-of-range strength fails before any file is read
    out = _check_output(out)
    image = load_image_for_model(source, model).to(model.device)
    result = img2img(model, image, strength, make_generator(seed, model.device), y=label, **options)
    return save_image_grid(result.float().cpu(), out)


def interpolate_files(model: nn.Module, first: str | Path, second: str | Path, out: str | Path,
                      num_images: int = 8, label: int | None = None, **options) -> Path:
    """Invert two image files, slerp between their DDIM noise, write the strip of `num_images` to `out`."""
    check_diffusion_model(model)
    if num_images < 2:
        raise ConfigError(f"--steps {num_images}: expected at least 2 images (the two ends)")
    out = _check_output(out)
    images = [load_image_for_model(path, model).to(model.device) for path in (first, second)]
    options["steps"] = options.get("steps") or model.config.sampling_steps
    strip = interpolate_images(model, images[0], images[1], num_images, y=label, **options)
    return save_image_grid(strip.float().cpu(), out, nrow=num_images)


__all__ = ["load_known_mask", "inpaint_file", "img2img_file", "interpolate_files"]
