"""Evaluate a checkpoint on a dataset; results are saved with their protocol beside the weights."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import torch

from .config import DataConfig
from .errors import ConfigError
from .metrics import evaluate_nll
from .train import load, load_training_data
from .train.checkpoint import update_config, write_json_atomic

METRICS = ("nll",)


def evaluate(checkpoint: str | Path, data: str | None = None, split: str = "test",
             metrics: tuple[str, ...] = ("nll",), importance_samples: int | None = None,
             limit: int | None = None, seed: int = 0, device: str | torch.device = "cpu",
             data_root: str | None = None) -> dict:
    """Compute `metrics` for the checkpoint on `data` (default: the dataset it was trained on).

    Writes `evaluation.json` into the checkpoint folder and records each metric's
    protocol in its config.json; returns {"checkpoint", "results": [...]}.
    """
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ConfigError(f"unknown metric(s) {unknown}: expected some of {METRICS}")
    model = load(checkpoint, device=device)
    trained_on = model.checkpoint_config.get("data", {}).get("config", {})
    source = data or trained_on.get("source")
    if source is None:
        raise ConfigError("the checkpoint does not record its dataset: pass --data")
    data_config = DataConfig(source=str(source), split=split,
                             image_size=model.config.image_size, channels=model.config.channels,
                             data_root=data_root or trained_on.get("data_root"))
    dataset = load_training_data(data_config)
    results = []
    if "nll" in metrics:
        results.append(evaluate_nll(model, dataset, importance_samples, seed=seed, limit=limit))
    report = {"checkpoint": str(model.checkpoint_dir), "date": datetime.datetime.now().isoformat(timespec="seconds"),
              "results": results}
    write_json_atomic(model.checkpoint_dir / "evaluation.json", report)
    update_config(model.checkpoint_dir, evaluation={r["metric"]: {"value": r["value"], "unit": r["unit"],
                                                                  "protocol": r["protocol"]} for r in results})
    return report


def format_results(report: dict) -> str:
    """A few human-readable lines for the CLI."""
    lines = []
    for result in report["results"]:
        extra = f" ({result['bits_per_dim']:.4f} bits/dim)" if "bits_per_dim" in result else ""
        lines.append(f"{result['metric']}: {result['value']:.4f} {result['unit']}{extra} on {result['dataset']}")
        lines.append("  protocol: " + json.dumps(result["protocol"], sort_keys=True))
    return "\n".join(lines)
