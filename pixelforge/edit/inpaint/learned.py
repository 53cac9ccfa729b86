"""The learned inpainting network on files and arrays: save/load (config.json + model.safetensors)
and `inpaint_learned`. The shipped weights live in pixelforge/weights/inpaint_unet/ and are
written by `python benchmarks/inpaint.py --phase train` (see that script for the recipe)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ...errors import ConfigError, DataError
from ...models.inpainting import InpaintingConfig, InpaintingUNet

SHIPPED_WEIGHTS = Path(__file__).resolve().parents[2] / "weights" / "inpaint_unet"
FORMAT = "pixelforge-inpainting"


def save_inpainting_model(model: InpaintingUNet, folder: str | Path, provenance: dict | None = None,
                          half: bool = True) -> Path:
    """Write `folder`/config.json and `folder`/model.safetensors (fp16 when `half`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {key: (value.half() if half else value.float()).contiguous() for key, value in model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"))
    (folder / "model.safetensors").chmod(0o644)   # safetensors writes 0600; shipped files must be readable
    config = {"format": FORMAT, "format_version": 1, "model": "InpaintingUNet", "config": model.config.to_dict(),
              "provenance": provenance or {}}
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    return folder


def load_inpainting_model(folder: str | Path | None = None) -> InpaintingUNet:
    """Load a folder written by `save_inpainting_model` (default: the shipped weights), float32, eval mode."""
    folder = Path(folder) if folder is not None else SHIPPED_WEIGHTS
    if folder.is_file():
        folder = folder.parent
    config_file, weights_file = folder / "config.json", folder / "model.safetensors"
    if not config_file.is_file() or not weights_file.is_file():
        raise ConfigError(f"{folder}: not an inpainting model folder (expected config.json and model.safetensors)")
    try:
        config = json.loads(config_file.read_text())
    except json.JSONDecodeError as error:
        raise DataError(f"{config_file}: not valid JSON ({error})") from None
    if config.get("format") != FORMAT:
        raise ConfigError(f"{folder}: a {config.get('format')!r} folder; expected an inpainting model ({FORMAT})")
    model = InpaintingUNet(InpaintingConfig(**config["config"]))
    state = {key: value.float() for key, value in load_file(str(weights_file)).items()}
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise DataError(f"{weights_file}: weights do not match config.json ({error})") from None
    return model.eval()


@functools.lru_cache(maxsize=2)
def _cached_model(folder: str) -> InpaintingUNet:
    return load_inpainting_model(folder)


@torch.no_grad()
def inpaint_learned(image: torch.Tensor, hole: torch.Tensor, model: InpaintingUNet | str | Path | None = None
                    ) -> torch.Tensor:
    """Image (3, H, W) float in [0, 1], hole (H, W) bool -> filled (3, H, W) in [0, 1]; known pixels copied.
    `model`: an InpaintingUNet, a weights folder, or None for the shipped weights."""
    if not isinstance(model, InpaintingUNet):
        model = _cached_model(str(Path(model) if model is not None else SHIPPED_WEIGHTS))
    filled = model(image[None] * 2 - 1, hole[None, None])[0]
    return torch.where(hole, (filled + 1) / 2, image)


__all__ = ["SHIPPED_WEIGHTS", "save_inpainting_model", "load_inpainting_model", "inpaint_learned"]
