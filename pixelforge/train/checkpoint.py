"""Checkpoints: a directory of JSON and safetensors files; loading never unpickles code.

    RUN_DIR/checkpoints/step-00001000/
        config.json               model name and config, data and training config, versions, metrics
        model.safetensors         the weights
        ema.safetensors           EMA weights (when training keeps them)
        training_state.safetensors + training_state.json   optimizer, schedule, RNG and data position
    RUN_DIR/checkpoints/latest    the name of the newest complete checkpoint

A checkpoint is written into a temporary sibling folder and renamed into place,
then `latest` is replaced atomically: a crash at any moment leaves the previous
checkpoint intact and `latest` pointing at a complete one.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..errors import CheckpointError

FORMAT = "pixelforge-checkpoint"
FORMAT_VERSION = 1
CONFIG_FILE, MODEL_FILE, EMA_FILE = "config.json", "model.safetensors", "ema.safetensors"
STATE_TENSORS, STATE_JSON = "training_state.safetensors", "training_state.json"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _finish_files(folder: Path) -> None:
    """Give every file the usual permissions (safetensors writes 0600) and flush it to disk."""
    mode = 0o666 & ~_current_umask()
    for file in folder.iterdir():
        os.chmod(file, mode)
        _fsync(file)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to `path` through a temporary file and os.replace."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    _fsync(tmp)
    os.replace(tmp, path)


def tensors_for_saving(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """CPU, contiguous, non-aliased copies (safetensors refuses shared storage)."""
    return {key: value.detach().to("cpu").contiguous().clone() for key, value in state.items()}


def save_checkpoint(run_dir: Path, step: int, config: dict, model_state: dict[str, torch.Tensor],
                    ema_state: dict[str, torch.Tensor] | None = None,
                    state_tensors: dict[str, torch.Tensor] | None = None,
                    state_json: dict | None = None, keep: int = 2) -> Path:
    """Write checkpoint `step` under RUN_DIR/checkpoints atomically; keep the newest `keep`."""
    root = Path(run_dir) / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{step:08d}"
    final = root / name
    tmp = root / f".{name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    save_file(tensors_for_saving(model_state), str(tmp / MODEL_FILE))
    if ema_state is not None:
        save_file(tensors_for_saving(ema_state), str(tmp / EMA_FILE))
    if state_tensors is not None:
        save_file(tensors_for_saving(state_tensors), str(tmp / STATE_TENSORS))
        (tmp / STATE_JSON).write_text(json.dumps(state_json or {}, indent=2, sort_keys=True))
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "step": step, **config}
    (tmp / CONFIG_FILE).write_text(json.dumps(header, indent=2, sort_keys=True) + "\n")
    _finish_files(tmp)
    if final.exists():  # the same step written again (e.g. the end of a resumed run)
        shutil.rmtree(final)
    os.rename(tmp, final)
    latest_tmp = root / f".latest.tmp-{uuid.uuid4().hex[:8]}"
    latest_tmp.write_text(name + "\n")
    _fsync(latest_tmp)
    os.replace(latest_tmp, root / "latest")
    _prune(root, keep, protect=name)
    return final


def _prune(root: Path, keep: int, protect: str) -> None:
    complete = sorted(p for p in root.glob("step-*") if p.is_dir())
    for old in complete[:-keep]:
        if old.name != protect:
            shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".step-*.tmp-*"):  # left by a crash mid-write
        shutil.rmtree(stale, ignore_errors=True)


def resolve_checkpoint(path: str | Path) -> Path:
    """The checkpoint directory that `path` names: itself, or the latest one of a run directory."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {path}: no such file or directory")
    if (path / CONFIG_FILE).is_file():
        return path
    for root in (path / "checkpoints", path):
        latest = root / "latest"
        if latest.is_file():
            target = root / latest.read_text().strip()
            if (target / CONFIG_FILE).is_file():
                return target
            raise CheckpointError(f"{latest} points at {target}, which is not a complete checkpoint")
    raise CheckpointError(
        f"{path} is not a checkpoint: expected a folder with {CONFIG_FILE} and {MODEL_FILE}, "
        f"or a training run folder with checkpoints/latest"
    )


def read_config(checkpoint_dir: Path) -> dict:
    """The parsed config.json of a checkpoint directory, validated."""
    file = Path(checkpoint_dir) / CONFIG_FILE
    try:
        config = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{file}: cannot read a JSON config ({error})") from None
    if config.get("format") != FORMAT or "model" not in config:
        raise CheckpointError(f"{file}: not a pixelforge checkpoint config (expected format={FORMAT!r})")
    if config.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{file}: format_version {config['format_version']} is newer than this "
                              f"pixelforge reads ({FORMAT_VERSION}); upgrade pixelforge")
    return config


def read_tensors(file: Path) -> dict[str, torch.Tensor]:
    """Load a safetensors file; a missing or corrupt file raises CheckpointError."""
    if not Path(file).is_file():
        raise CheckpointError(f"{file}: missing from the checkpoint")
    try:
        return load_file(str(file))
    except (SafetensorError, OSError, ValueError) as error:
        raise CheckpointError(f"{file}: corrupt or truncated safetensors file ({error})") from None


def update_config(checkpoint_dir: Path, **entries: Any) -> None:
    """Merge `entries` into a checkpoint's config.json (atomically), e.g. evaluation protocols."""
    config = read_config(checkpoint_dir)
    config.update(entries)
    write_json_atomic(Path(checkpoint_dir) / CONFIG_FILE, config)


def load(path: str | Path, weights: str = "ema", device: str | torch.device = "cpu"):
    """Rebuild a model from a checkpoint (or run) directory through the registry, in eval mode.

    `weights="ema"` uses the EMA weights when the checkpoint has them, else the raw weights;
    `weights="raw"` always uses the raw weights. Only JSON and safetensors are read.
    """
    from ..registry import create_model  # the registry imports every model: import late

    if weights not in ("ema", "raw"):
        raise CheckpointError(f"weights={weights!r}: expected 'ema' or 'raw'")
    checkpoint_dir = resolve_checkpoint(path)
    config = read_config(checkpoint_dir)
    model = create_model(config["model"]["name"], **config["model"]["config"])
    file = checkpoint_dir / (EMA_FILE if weights == "ema" and (checkpoint_dir / EMA_FILE).is_file() else MODEL_FILE)
    state = read_tensors(file)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise CheckpointError(f"{file} does not match model {config['model']['name']!r}: "
                              f"missing {sorted(missing)[:5]}, unexpected {sorted(unexpected)[:5]}")
    model.checkpoint_dir = checkpoint_dir
    model.checkpoint_config = config
    model = model.to(device)
    if file.name == EMA_FILE and hasattr(model, "refresh_after_averaging"):
        model.refresh_after_averaging()
    return model.eval()


def save_model(model, path: str | Path, extra: dict | None = None) -> Path:
    """Export `model` alone (config.json + model.safetensors) into a new folder `path`, atomically."""
    from .. import __version__
    from ..models.base import config_to_dict

    path = Path(path)
    if path.exists():
        raise CheckpointError(f"{path} already exists: choose a new folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.mkdir()
    save_file(tensors_for_saving(model.state_dict()), str(tmp / MODEL_FILE))
    header = {"format": FORMAT, "format_version": FORMAT_VERSION, "pixelforge_version": __version__,
              "model": {"name": model.registered_name, "config": config_to_dict(model.config)}, **(extra or {})}
    (tmp / CONFIG_FILE).write_text(json.dumps(header, indent=2, sort_keys=True) + "\n")
    _finish_files(tmp)
    os.rename(tmp, path)
    return path


def read_json(file: Path) -> dict:
    """A JSON file of a checkpoint; missing or corrupt raises CheckpointError."""
    try:
        return json.loads(Path(file).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{file}: cannot read JSON ({error})") from None


def training_data_config(model) -> dict:
    """The DataConfig fields a loaded model was trained with ({} when its checkpoint does not record them)."""
    return getattr(model, "checkpoint_config", {}).get("data", {}).get("config", {})
