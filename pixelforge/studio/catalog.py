"""The models the studio offers: shipped ones, the user's checkpoints, and the ones not trained yet.

Shipped models live in pixelforge/weights/<name>/ (written by `pixelforge export ... --fp16`);
`--checkpoints DIR` adds every checkpoint or run folder inside DIR (or DIR itself). A family
with no model says which command trains one.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

from ..errors import CheckpointError, ConfigError
from ..train.checkpoint import CONFIG_FILE, read_config, resolve_checkpoint

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"

# Families without a shipped model, and the command that trains one (shown instead of a model).
TRAIN_COMMANDS = {
    "diffusion": "python benchmarks/diffusion_benchmark.py --setup mnist-cpu",
    "autoregressive": "pixelforge train gated_pixelcnn --data mnist --out runs/gated --steps 20000",
}
FAMILY_OF = {"vae": "vae", "beta_vae": "vae", "conditional_vae": "vae", "dcgan": "gan", "wgan_gp": "gan",
             "sngan": "gan", "conditional_dcgan": "gan", "conditional_sngan": "gan", "ddpm": "diffusion",
             "improved_ddpm": "diffusion", "conditional_ddpm": "diffusion", "pixelcnn": "autoregressive",
             "gated_pixelcnn": "autoregressive", "conditional_gated_pixelcnn": "autoregressive",
             "row_lstm": "autoregressive", "diagonal_bilstm": "autoregressive", "pixelcnn_pp": "autoregressive"}


@dataclasses.dataclass(frozen=True)
class ModelEntry:
    label: str  # what the dropdown shows
    path: Path
    model_name: str
    family: str
    num_classes: int
    shipped: bool
    summary: str  # one line: data, training, recorded metrics


def _summary(config: dict) -> str:
    data = config.get("data", {}).get("dataset", {}).get("name", "?")
    parts = [f"{config['model']['name']} on {data}"]
    step = config.get("exported", {}).get("step", config.get("step"))
    if step:
        parts.append(f"{step} steps")
    for metric, result in sorted(config.get("evaluation", {}).items()):
        value = result.get("value") if isinstance(result, dict) else result
        if isinstance(value, (int, float)):
            parts.append(f"{metric} {value:.4g}")
    return ", ".join(parts)


def _entry(path: Path, shipped: bool) -> ModelEntry | None:
    try:
        folder = resolve_checkpoint(path)
        config = read_config(folder)
    except CheckpointError:
        return None
    name = config["model"]["name"]
    family = FAMILY_OF.get(name)
    if family is None:  # classifiers and colorizers are not generative models
        return None
    label = f"{path.name} ({'shipped' if shipped else 'checkpoint'})"
    return ModelEntry(label, folder, name, family, int(config["model"]["config"].get("num_classes", 0)),
                      shipped, _summary(config))


def scan(checkpoint_dirs: list[str | Path] = ()) -> list[ModelEntry]:
    """Shipped models first, then each checkpoint/run folder in `checkpoint_dirs` (or the folder itself)."""
    entries = []
    for folder in sorted(WEIGHTS_DIR.iterdir()) if WEIGHTS_DIR.is_dir() else []:
        if (folder / CONFIG_FILE).is_file() and "exported" in json.loads((folder / CONFIG_FILE).read_text()):
            entries.append(_entry(folder, shipped=True))
    for root in map(Path, checkpoint_dirs):
        if not root.is_dir():
            raise ConfigError(f"--checkpoints {root}: no such folder")
        candidates = [root] if _entry(root, False) else sorted(p for p in root.iterdir() if p.is_dir())
        entries.extend(_entry(p, shipped=False) for p in candidates)
    return [e for e in entries if e is not None]


def missing_families(entries: list[ModelEntry]) -> dict[str, str]:
    """Family -> the command that trains a model of it, for families no entry covers."""
    present = {e.family for e in entries}
    return {family: command for family, command in TRAIN_COMMANDS.items() if family not in present}


class ModelCache:
    """Loads each model once (float32, CPU, eval mode); safe to call from several request threads."""

    def __init__(self) -> None:
        self._models: dict[Path, object] = {}
        self._lock = threading.Lock()

    def get(self, entry: ModelEntry):
        from ..train.export import load_exported

        with self._lock:
            if entry.path not in self._models:
                self._models[entry.path] = load_exported(entry.path)
            return self._models[entry.path]
