"""Weights folders for the small task networks: restoration, inpainting, colorizer, fast style.

A folder holds config.json and model.safetensors:

    {"kind": "dncnn", "config": {...}, "dtype": "float16", "provenance": {...}}

`kind` names the network (the loader refuses another kind), `config` is what rebuilds it,
`dtype` is how the tensors are stored (float16 keeps shipped files small; they are loaded
back as float32) and `provenance` is free-form: command, data, steps, results. Both files
are written into a temporary folder that replaces the old one by rename, so a crash leaves
either the old folder or the new one, never a mix. Loading reads JSON and safetensors only.

Generative models trained by the trainer use the checkpoint format of pixelforge.train instead.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from collections.abc import Callable, Collection
from pathlib import Path

import torch
from safetensors.torch import save_file

from ..errors import CheckpointError, ConfigError
from ..train.checkpoint import STATE_JSON, STATE_TENSORS, read_tensors, save_checkpoint, tensors_for_saving

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"


def _config_dict(config) -> dict:
    if dataclasses.is_dataclass(config):
        return dataclasses.asdict(config)
    if isinstance(config, dict):
        return dict(config)
    raise ConfigError(f"a model config of type {type(config).__name__}: expected a dataclass or a dict")


def save_pretrained(model: torch.nn.Module, folder: str | Path, kind: str, provenance: dict | None = None,
                    dtype: torch.dtype = torch.float16) -> Path:
    """Write `model` (with a dataclass or dict `.config`) as FOLDER/config.json + FOLDER/model.safetensors."""
    folder = Path(folder)
    header = {"kind": kind, "config": _config_dict(model.config), "dtype": str(dtype).removeprefix("torch."),
              "provenance": provenance or {}}
    state = {key: value.to(dtype) if value.is_floating_point() else value
             for key, value in tensors_for_saving(model.state_dict()).items()}
    folder.parent.mkdir(parents=True, exist_ok=True)
    temporary = folder.with_name(f".{folder.name}.tmp-{uuid.uuid4().hex[:8]}")
    previous = folder.with_name(f".{folder.name}.old-{uuid.uuid4().hex[:8]}")
    try:
        temporary.mkdir()
        save_file(state, str(temporary / WEIGHTS_FILE))
        (temporary / CONFIG_FILE).write_text(json.dumps(header, indent=2, sort_keys=True) + "\n")
        for file in temporary.iterdir():
            file.chmod(0o644)  # safetensors writes 0600; shipped files must be readable by everyone
            with open(file, "rb") as handle:
                os.fsync(handle.fileno())
        if folder.exists():
            os.rename(folder, previous)
        os.rename(temporary, folder)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.rmtree(previous, ignore_errors=True)
    return folder


def load_pretrained(folder: str | Path, kinds: str | Collection[str],
                    build: Callable[[str, dict], torch.nn.Module]) -> torch.nn.Module:
    """The network in FOLDER (or the folder of a model.safetensors path), float32, eval mode, on the CPU.

    `kinds`: the kind (or kinds) the caller accepts; `build(kind, config)` makes the empty network.
    Every problem (missing file, unreadable JSON, another kind, config or weights that do not fit)
    raises CheckpointError naming the file.
    """
    folder = Path(folder)
    folder = folder.parent if folder.is_file() else folder
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
    config_path, weights_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    if not config_path.is_file() or not weights_path.is_file():
        raise CheckpointError(f"{folder}: expected a weights folder with {CONFIG_FILE} and {WEIGHTS_FILE}")
    try:
        header = json.loads(config_path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{config_path}: unreadable ({error})") from None
    if not isinstance(header, dict) or header.get("kind") not in kinds:
        found = header.get("kind") if isinstance(header, dict) else None
        raise CheckpointError(f"{folder}: holds a {found!r} network; expected {' or '.join(map(repr, kinds))}")
    try:
        model = build(header["kind"], header["config"])
    except (TypeError, KeyError, ValueError, ConfigError) as error:
        raise CheckpointError(f"{config_path}: invalid config ({error})") from None
    state = {key: value.float() if value.is_floating_point() else value
             for key, value in read_tensors(weights_path).items()}
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise CheckpointError(f"{weights_path}: weights do not match the config ({error})") from None
    return model.eval()


def save_training_state(folder: str | Path, step: int, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                        extra: dict | None = None) -> Path:
    """A resumable checkpoint of a task network (weights, Adam moments, step) as safetensors + JSON."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    moments = {}
    for index, param in enumerate(params):
        for key, value in optimizer.state.get(param, {}).items():
            moments[f"{index}.{key}"] = value.reshape(1) if value.ndim == 0 else value
    config = {"kind": "task-training", "config": _config_dict(model.config)}
    return save_checkpoint(Path(folder), step, config, model.state_dict(), state_tensors=moments,
                           state_json={"step": step, **(extra or {})})


def load_training_state(folder: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer) -> dict:
    """Restore what `save_training_state` wrote (the latest checkpoint); {} when there is none."""
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
