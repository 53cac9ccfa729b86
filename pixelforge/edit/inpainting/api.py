"""`inpaint(image, hole, method=...)`: one entry point for every inpainting family.

    from pixelforge.edit import inpaint
    filled = inpaint(image, hole)                          # learned U-Net, shipped weights
    filled = inpaint(image, hole, method="telea")          # or "navier-stokes", "biharmonic"
    filled = inpaint(image, hole, method="diffusion", model=pixelforge.load("runs/ddpm"))     # RePaint
    filled = inpaint(image, hole, method="autoregressive", model=pixelforge.load("runs/pixelcnn"))
    filled = inpaint(image, hole, method="inversion", model=pixelforge.load("runs/dcgan"))   # GAN or VAE

image: float tensor (C, H, W) in [0, 1], C = 1 (gray), 3 (RGB) or 4 (RGBA), or a PIL image (then a
PIL image of the same mode comes back; "LA"/"P" are read as RGBA/RGB). hole: bool (H, W)
tensor or array, True = pixel to fill (white in a mask file). The result has the image's shape and
its known pixels are copied from the input exactly, for every method. Gray images go through the
RGB methods as three equal channels and come back as their mean; the alpha channel of RGBA is
filled by the parameter-free push-pull fill (pixelforge.models.inpainting.push_pull_fill).
"diffusion", "autoregressive" and "inversion" need a trained model of exactly the image's size and
channels (they model small images, e.g. 28x28 MNIST or 32x32 CIFAR); their fill is one random draw
(`seed`). "inversion" (GAN generators and VAE decoders) optimizes a latent whose image matches the
known pixels (pixelforge.edit.inversion.invert with `known`) and fills the hole from that image;
`options` go to `invert` (steps, restarts, y for conditional models, ...).
"""

from __future__ import annotations

import numpy as np
import torch

from PIL import Image

from ...errors import ConfigError, DataError
from ...models.inpainting import push_pull_fill
from .classical import CLASSICAL_METHODS, inpaint_classical
from .learned import inpaint_learned

MODEL_METHODS = ("diffusion", "autoregressive", "inversion")   # need a trained generative model of the image's size
METHODS = ("learned", *CLASSICAL_METHODS, *MODEL_METHODS)


def check_inputs(image: torch.Tensor, hole: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Validate the image and return the hole as a bool tensor (H, W) on the image's device."""
    if not isinstance(image, torch.Tensor) or image.ndim != 3 or image.shape[0] not in (1, 3, 4):
        raise DataError(f"image of shape {tuple(getattr(image, 'shape', ()))}: expected a tensor (C, H, W) with "
                        f"C = 1 (gray), 3 (RGB) or 4 (RGBA)")
    if not image.is_floating_point():
        raise DataError(f"image of dtype {image.dtype}: expected float pixels in [0, 1]")
    hole = torch.as_tensor(np.asarray(hole) if not isinstance(hole, torch.Tensor) else hole)
    if hole.ndim == 3 and hole.shape[0] == 1:
        hole = hole[0]
    if hole.ndim != 2 or tuple(hole.shape) != tuple(image.shape[1:]):
        raise DataError(f"mask of shape {tuple(hole.shape)} does not match the image's {image.shape[2]}x"
                        f"{image.shape[1]} pixels: expected a (H, W) mask of the same size")
    if hole.dtype != torch.bool:
        raise DataError(f"mask of dtype {hole.dtype}: expected bool (True = fill); read_mask thresholds files")
    return hole.to(image.device)


def _fill_colour(rgb: torch.Tensor, hole: torch.Tensor, method: str, model, seed: int, **options) -> torch.Tensor:
    """(3, H, W) in [0, 1] -> filled (3, H, W), not yet composited."""
    if method == "learned":
        return inpaint_learned(rgb, hole, model, **options)
    pixels = rgb.permute(1, 2, 0).cpu().numpy()
    filled = inpaint_classical(pixels, hole.cpu().numpy(), method, **options)
    return torch.from_numpy(filled).permute(2, 0, 1).to(rgb)


def _fill_with_model(image: torch.Tensor, hole: torch.Tensor, method: str, model, seed: int, **options
                     ) -> torch.Tensor:
    """Diffusion (RePaint), autoregressive completion or GAN/VAE inversion at the model's own size and channels."""
    from ...runtime import make_generator

    if model is None:
        raise ConfigError(f"method={method!r} needs a trained model (model=pixelforge.load(...))")
    if method == "diffusion":
        from ..diffusion import check_diffusion_model, repaint as fill
        check_diffusion_model(model)
    elif method == "inversion":
        from ..inversion import invert
        from ..space import check_latent_model
        check_latent_model(model)
    else:
        from ..completion import check_autoregressive
        check_autoregressive(model)
    config = model.config
    if (image.shape[0], image.shape[1], image.shape[2]) != (config.channels, config.image_size, config.image_size):
        raise DataError(f"image of shape {tuple(image.shape)}: the {method} model works on ({config.channels}, "
                        f"{config.image_size}, {config.image_size}) images; resize it first")
    device = model.device
    x0 = (image[None] * 2 - 1).to(device)
    known = ~hole[None, None].to(device)
    generator = make_generator(seed, device)
    if method == "diffusion":
        result = fill(model, x0, known, generator, **options)
    elif method == "inversion":
        result = invert(model, x0, known=known, seed=seed, **options).reconstructions
    else:
        result = model.eval().complete(x0, known, 1, generator=generator, **options)[:, 0]
    return ((result[0].float() + 1) / 2).clamp(0, 1).to(image.device)


def pil_to_unit(image: Image.Image) -> torch.Tensor:
    """A PIL image -> float32 (C, H, W) in [0, 1], C = 1 (L, 1, I), 3 (RGB, ...) or 4 (RGBA, LA, P with alpha)."""
    if image.mode in ("LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
    elif image.mode not in ("L", "RGB", "RGBA"):
        image = image.convert("L" if image.mode in ("1", "I", "I;16", "F") else "RGB")
    array = np.asarray(image)
    array = array[..., None] if array.ndim == 2 else array
    return torch.from_numpy(array.copy()).permute(2, 0, 1).float() / 255


def unit_to_pil(image: torch.Tensor) -> Image.Image:
    """float (C, H, W) in [0, 1], C = 1, 3 or 4 -> PIL image of mode L, RGB or RGBA (rounded to 8 bits)."""
    array = (image.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array[..., 0] if array.shape[2] == 1 else array, {1: "L", 3: "RGB", 4: "RGBA"}[array.shape[2]])


def inpaint(image: torch.Tensor | Image.Image, hole: torch.Tensor | np.ndarray, method: str = "learned", model=None,
            seed: int = 0, **options) -> torch.Tensor:
    """Fill the pixels of `image` (C, H, W) in [0, 1] where `hole` (H, W) is True; see the module docstring.
    `model`: for "learned" an InpaintingUNet or weights folder (default: shipped); for "diffusion" /
    "autoregressive" / "inversion" a loaded model. `options` go to the method (e.g. radius for OpenCV, steps for RePaint,
    ensemble=True for "learned": the mean over the 8 flips and rotations, 8x slower, about +0.1 dB)."""
    if method not in METHODS:
        raise ConfigError(f"method={method!r}: expected one of {', '.join(METHODS)}")
    if "ensemble" in options and method != "learned":
        raise ConfigError(f"ensemble is an option of method='learned', not of method={method!r}")
    if isinstance(image, Image.Image):
        return unit_to_pil(inpaint(pil_to_unit(image), hole, method, model, seed, **options))
    hole = check_inputs(image, hole)
    if not bool(hole.any()):
        return image.clone()
    if method in MODEL_METHODS:
        filled = _fill_with_model(image, hole, method, model, seed, **options)
    else:
        colour = image[:3] if image.shape[0] >= 3 else image.expand(3, -1, -1)
        filled = _fill_colour(colour.float().clamp(0, 1), hole, method, model, seed, **options)
        if image.shape[0] == 1:
            filled = filled.mean(0, keepdim=True)
        elif image.shape[0] == 4:
            alpha = push_pull_fill(image[None, 3:].float(), (~hole)[None, None].float())[0]
            filled = torch.cat([filled, alpha])
    return torch.where(hole, filled.to(image.dtype), image)


__all__ = ["METHODS", "MODEL_METHODS", "inpaint", "check_inputs", "pil_to_unit", "unit_to_pil"]
