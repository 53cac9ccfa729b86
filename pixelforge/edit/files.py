"""Latent editing on files: read a user's image at a model's size, invert it, write the results."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
from safetensors.torch import save_file
from torch import Tensor, nn

from ..data.transforms import resize_and_center_crop
from ..errors import ConfigError
from ..images import output_image_path, read_image_uint8, save_image_grid, to_float
from .inversion import InversionResult, invert
from .space import check_latent_model

LATENT_SUFFIX = ".latent.safetensors"


def load_image_for_model(path: str | Path, model: nn.Module) -> Tensor:
    """An image file as float (1, C, S, S) in [-1, 1] at the model's channels and size: converted
    to gray or RGB, the shorter side resized to S and the centre cropped. DataError when the file
    is missing, not an image or cannot be decoded."""
    pixels = read_image_uint8(path, channels=model.config.channels)  # (C, H, W) uint8
    return to_float(resize_and_center_crop(pixels[None], model.config.image_size))


def latent_path(out: str | Path) -> Path:
    """Where the latent of an inversion written to `out` goes: out.png -> out.latent.safetensors."""
    return Path(out).with_suffix(LATENT_SUFFIX)


def save_latents(result: InversionResult, path: str | Path, metadata: dict[str, str] | None = None) -> Path:
    """Write the latents (N, D) as tensor "latent" in a safetensors file (no pickle), with string metadata."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({"latent": result.latents.detach().cpu().contiguous()}, str(path), metadata=metadata or {})
    return path


@dataclasses.dataclass(frozen=True)
class InvertedFile:
    image: Path    # [input | reconstruction] side by side
    latent: Path   # the latent (1, D), safetensors
    mse: float     # on the [-1, 1] scale
    psnr: float    # dB


def invert_file(model: nn.Module, source: str | Path, out: str | Path, label: int | None = None,
                **invert_options) -> InvertedFile:
    """Invert the image file `source` with `model`; write [input | reconstruction] to `out` (.png)
    and the latent beside it (latent_path(out)). `invert_options` go to `invert`."""
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ConfigError(f"{out}: expected an output file ending in .png")
    image = load_image_for_model(source, model).to(model.device)
    result = invert(model, image, y=label, **invert_options)
    pair = torch.cat([image, result.reconstructions]).float().cpu()
    written = save_image_grid(pair, out, nrow=2)
    metadata = {"model": getattr(model, "registered_name", ""), "source": str(source),
                "checkpoint": str(getattr(model, "checkpoint_dir", "")),
                "label": "" if label is None else str(label)}
    latent = save_latents(result, latent_path(out), metadata)
    return InvertedFile(written, latent, float(result.mse[0]), float(result.psnr[0]))


def inpaint_by_inversion_file(model: nn.Module, source: str | Path, mask: str | Path, out: str | Path,
                              seed: int = 0, label: int | None = None, **invert_options) -> Path:
    """Fill the white pixels of `mask` in `source` with the image of the latent that best matches the
    known (black) pixels; both are resized and centre-cropped to the model's size. Writes `out`."""
    from .diffusion_files import load_known_mask

    check_latent_model(model)
    out = output_image_path(out)
    image = load_image_for_model(source, model).to(model.device)
    known = load_known_mask(mask, source, model).to(model.device)
    result = invert(model, image, y=label, seed=seed, known=known, **invert_options)
    return save_image_grid(torch.where(known, image, result.reconstructions).float().cpu(), out)
