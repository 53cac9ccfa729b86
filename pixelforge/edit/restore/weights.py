"""Shipped restoration weights: pixelforge/weights/<name>/ with config.json + model.safetensors.

config.json holds {"network": name in NETWORKS, "config": {...}, "training": {...}}; the
tensors may be stored as float16 (they are loaded back as float32)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import torch
from safetensors.torch import save_file

from ...errors import CheckpointError
from ...models.restoration import build_network
from ...train.checkpoint import read_tensors, tensors_for_saving, write_json_atomic

WEIGHTS_DIR = Path(__file__).resolve().parents[2] / "weights"
SUPERRES_WEIGHTS = "superres_espcn"
DENOISE_WEIGHTS = "denoise_dncnn_gray"


def save_weights(model: torch.nn.Module, network: str, folder: str | Path, training: dict | None = None,
                 half: bool = True) -> Path:
    """Write `model` as FOLDER/config.json + FOLDER/model.safetensors (float16 when `half`)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = tensors_for_saving(model.state_dict())
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    save_file(state, str(folder / "model.safetensors"))
    write_json_atomic(folder / "config.json", {"network": network, "config": model.config,
                                               "dtype": "float16" if half else "float32",
                                               "training": training or {}})
    return folder


def load_weights(folder: str | Path) -> torch.nn.Module:
    """The network saved in `folder`, in eval mode, float32, on the CPU."""
    folder = Path(folder)
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{folder / 'config.json'}: cannot read restoration weights ({error})") from None
    model = build_network(config["network"], config["config"])
    state = {k: v.float() if v.is_floating_point() else v for k, v in read_tensors(folder / "model.safetensors").items()}
    model.load_state_dict(state)
    return model.eval()


@lru_cache(maxsize=4)
def shipped(name: str) -> torch.nn.Module:
    """The weights shipped with pixelforge under pixelforge/weights/NAME (cached)."""
    folder = WEIGHTS_DIR / name
    if not (folder / "model.safetensors").is_file():
        raise CheckpointError(f"shipped weights {name!r} are missing from {WEIGHTS_DIR}; rebuild them with "
                              f"`python benchmarks/{name.split('_')[0]}.py --train`")
    return load_weights(folder)
