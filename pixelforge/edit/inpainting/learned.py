"""The learned inpainting network on files and arrays: save/load (config.json + model.safetensors)
and `inpaint_learned`. The shipped weights live in pixelforge/weights/inpaint_unet/ and are
written by `python benchmarks/inpaint.py --phase train` (see that script for the recipe)."""

from __future__ import annotations

import functools
from pathlib import Path

import torch

from ...models.inpainting import InpaintingConfig, InpaintingUNet
from ...models.pretrained import load_pretrained, save_pretrained
from ..restore.ensemble import self_ensemble

SHIPPED_WEIGHTS = Path(__file__).resolve().parents[2] / "weights" / "inpaint_unet"
KIND = "inpainting-unet"


def save_inpainting_model(model: InpaintingUNet, folder: str | Path, provenance: dict | None = None,
                          half: bool = True) -> Path:
    """Write `folder`/config.json and `folder`/model.safetensors (fp16 when `half`)."""
    return save_pretrained(model, folder, KIND, provenance, dtype=torch.float16 if half else torch.float32)


def load_inpainting_model(folder: str | Path | None = None) -> InpaintingUNet:
    """Load a folder written by `save_inpainting_model` (default: the shipped weights), float32, eval mode."""
    return load_pretrained(folder if folder is not None else SHIPPED_WEIGHTS, KIND,
                           lambda kind, config: InpaintingUNet(InpaintingConfig(**config)))


@functools.lru_cache(maxsize=2)
def _cached_model(folder: str) -> InpaintingUNet:
    return load_inpainting_model(folder)


@torch.no_grad()
def inpaint_learned(image: torch.Tensor, hole: torch.Tensor, model: InpaintingUNet | str | Path | None = None,
                    ensemble: bool = False) -> torch.Tensor:
    """Image (3, H, W) float in [0, 1], hole (H, W) bool -> filled (3, H, W) in [0, 1]; known pixels copied.
    `model`: an InpaintingUNet, a weights folder, or None for the shipped weights. `ensemble`: the mean
    of the network's fills over the 8 flips and rotations of image and mask together (8x the CPU;
    +0.1 dB whole-image PSNR on CBSD68 / Kodak24, see benchmarks/inpaint.py); the network was trained
    on flipped and turned crops, so each orientation is one it knows."""
    if not isinstance(model, InpaintingUNet):
        model = _cached_model(str(Path(model) if model is not None else SHIPPED_WEIGHTS))

    def fill(stacked: torch.Tensor) -> torch.Tensor:  # image channels + the hole as a fourth channel
        return model(stacked[:, :3] * 2 - 1, stacked[:, 3:] > 0.5)

    stacked = torch.cat([image, hole[None].to(image.dtype)])[None]
    filled = (self_ensemble(fill, stacked) if ensemble else fill(stacked))[0]
    return torch.where(hole, (filled + 1) / 2, image)


__all__ = ["SHIPPED_WEIGHTS", "save_inpainting_model", "load_inpainting_model", "inpaint_learned"]
