"""Shipped-weights folders for small task networks (colorizer, fast style network).

A folder holds config.json (the model's config dataclass as "config", plus free-form
"provenance") and model.safetensors (fp16 by default to keep shipped files small).
No pickled code: the caller names the class and the config type.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ..errors import CheckpointError, ConfigError
from ..train.checkpoint import tensors_for_saving, write_json_atomic

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


def save_pretrained(model: torch.nn.Module, folder: str | Path, kind: str, provenance: dict | None = None,
                    dtype: torch.dtype = torch.float16) -> Path:
    """Write `model` (which has a dataclass `.config`) into FOLDER as config.json + model.safetensors."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {key: value.to(dtype) if value.is_floating_point() else value
             for key, value in model.state_dict().items()}
    save_file(tensors_for_saving(state), str(folder / WEIGHTS_FILE))
    write_json_atomic(folder / CONFIG_FILE, {"kind": kind, "config": dataclasses.asdict(model.config),
                                             "provenance": provenance or {}})
    return folder


def load_pretrained(folder: str | Path, kind: str, model_class, config_class) -> torch.nn.Module:
    """Rebuild a `model_class(config_class(**config))` from FOLDER; float32, eval mode, on the CPU."""
    folder = Path(folder)
    config_path, weights_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    if not config_path.is_file() or not weights_path.is_file():
        raise CheckpointError(f"{folder}: expected a weights folder with {CONFIG_FILE} and {WEIGHTS_FILE}")
    try:
        header = json.loads(config_path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{config_path}: unreadable ({error})") from None
    if header.get("kind") != kind:
        raise CheckpointError(f"{folder}: holds a {header.get('kind')!r} network; expected a {kind!r} one")
    try:
        model = model_class(config_class(**header["config"]))
    except (TypeError, KeyError, ConfigError) as error:
        raise CheckpointError(f"{config_path}: invalid config ({error})") from None
    state = {key: value.float() if value.is_floating_point() else value
             for key, value in load_file(str(weights_path)).items()}
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise CheckpointError(f"{weights_path}: weights do not match the config ({error})") from None
    return model.eval()


def save_training_state(folder: str | Path, step: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                        extra: dict | None = None) -> Path:
    """A resumable checkpoint of a task network (weights, Adam moments, step) as safetensors + JSON."""
    from ..train.checkpoint import save_checkpoint

    params = [p for group in optimizer.param_groups for p in group["params"]]
    moments = {}
    for index, param in enumerate(params):
        for key, value in optimizer.state.get(param, {}).items():
            moments[f"{index}.{key}"] = value.reshape(1) if value.ndim == 0 else value
    config = {"kind": "task-training", "config": dataclasses.asdict(model.config)}
    return save_checkpoint(Path(folder), step, config, model.state_dict(), state_tensors=moments,
                           state_json={"step": step, **(extra or {})})


def load_training_state(folder: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> dict:
    """Restore what `save_training_state` wrote (the latest checkpoint); {} when there is none."""
    from ..train.checkpoint import STATE_JSON, STATE_TENSORS, read_tensors

    root = Path(folder) / "checkpoints"
    if not (root / "latest").is_file():
        return {}
    checkpoint = root / (root / "latest").read_text().strip()
    model.load_state_dict(read_tensors(checkpoint / WEIGHTS_FILE))
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for name, value in read_tensors(checkpoint / STATE_TENSORS).items():
        index, key = name.split(".", 1)
        optimizer.state[params[int(index)]][key] = value.reshape(()) if key == "step" else value
    return json.loads((checkpoint / STATE_JSON).read_text())
