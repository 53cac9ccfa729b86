"""Evaluate a checkpoint on a dataset; results are saved with their protocol beside the weights."""

from __future__ import annotations

import datetime
import json
import warnings
from pathlib import Path

import torch
from torch import nn

from .config import DataConfig
from .errors import ConfigError, PixelforgeError
from .metrics import evaluate_nll
from .metrics.classification import evaluate_accuracy
from .metrics.domain import evaluate_domain_fid
from .models import GenerativeModel
from .metrics.sample_quality import SAMPLE_METRICS, evaluate_sample_quality
from .train import load, load_training_data
from .report.evaluation import write_evaluation_report
from .train.checkpoint import training_data_config, update_config, write_json_atomic

METRICS = ("nll", "accuracy", "domain_fid", *SAMPLE_METRICS)


def default_metrics(model) -> tuple[str, ...]:
    """What "auto" evaluates: the likelihood of models that have one, accuracy for classifiers,
    and for samplers without a likelihood the domain FID on 28x28 gray images, else Inception FID."""
    if not isinstance(model, GenerativeModel):
        return ("accuracy",)
    if type(model).log_prob is not GenerativeModel.log_prob:
        return ("nll",)
    return ("domain_fid",) if (model.config.channels, model.config.image_size) == (1, 28) else ("fid",)


def evaluate(checkpoint: str | Path, data: str | None = None, split: str = "test",
             metrics: tuple[str, ...] = ("nll",), importance_samples: int | None = None,
             limit: int | None = None, seed: int = 0, device: str | torch.device = "cpu",
             data_root: str | None = None, num_samples: int | None = None, batch_size: int = 100,
             feature_weights: str | None = None, resize: str = "legacy", extractor: nn.Module | None = None,
             compile_features: bool = False, progress: bool = True, html: bool = True) -> dict:
    """Compute `metrics` for the checkpoint on `data` (default: the dataset it was trained on).

    "nll" scores the test images; "fid", "kid", "pr" (precision/recall) and "is" (Inception
    Score) compare `num_samples` samples (default: as many as test images), drawn in batches
    of `batch_size`, with the first `limit` test images through `extractor` (default: FID
    Inception-v3 with `feature_weights` and `resize`, torch.compiled with `compile_features`;
    see pixelforge.metrics.sample_quality).
    Writes `evaluation.json` (and, with `html`, `evaluation.html`: the metrics, a sample grid and
    nearest training neighbours) into the checkpoint folder and records each metric's protocol
    in its config.json; returns {"checkpoint", "date", "results": [...], "html": path}.
    """
    unknown = [m for m in metrics if m not in (*METRICS, "auto")]
    if unknown:
        raise ConfigError(f"unknown metric(s) {unknown}: expected some of {METRICS}, or auto")
    model = load(checkpoint, device=device)
    if "auto" in metrics:
        metrics = default_metrics(model)
    trained_on = training_data_config(model)
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
    if "accuracy" in metrics:
        results.append(evaluate_accuracy(model, dataset, limit=limit))
    if "domain_fid" in metrics:
        domain = "fashion-mnist" if dataset.name == "fashion-mnist" else "mnist"  # the shipped classifiers
        results.append(evaluate_domain_fid(model, dataset, num_samples, seed, limit, batch_size, domain, progress))
    sample_metrics = tuple(m for m in metrics if m in SAMPLE_METRICS)
    if sample_metrics:
        results += evaluate_sample_quality(model, dataset, sample_metrics, num_samples, seed=seed, limit=limit,
                                           batch_size=batch_size, extractor=extractor, resize=resize,
                                           feature_weights=feature_weights, data_root=data_config.data_root,
                                           compile=compile_features, progress=progress)
    report = {"checkpoint": str(model.checkpoint_dir), "date": datetime.datetime.now().isoformat(timespec="seconds"),
              "results": results}
    if html:
        report["html"] = str(write_evaluation_report(model, report, model.checkpoint_dir,
                                                     _training_images(model, trained_on), seed))
    write_json_atomic(model.checkpoint_dir / "evaluation.json", report)
    update_config(model.checkpoint_dir, evaluation={r["metric"]: {"value": r["value"], "unit": r["unit"],
                                                                  "protocol": r["protocol"]} for r in results})
    return report


def _training_images(model, trained_on: dict):
    """The images a generative model was trained on, for the neighbour grid (None when unavailable)."""
    if not isinstance(model, GenerativeModel) or not trained_on.get("source"):
        return None
    try:
        return load_training_data(DataConfig(**trained_on))
    except PixelforgeError as error:
        warnings.warn(f"no nearest-neighbour grid: the training images cannot be read ({error})", stacklevel=3)
        return None


def format_results(report: dict) -> str:
    """A few human-readable lines for the CLI."""
    lines = []
    for result in report["results"]:
        extra = f" ({result['bits_per_dim']:.4f} bits/dim)" if "bits_per_dim" in result else ""
        extra += f" (std {result['std']:.4g})" if "std" in result else ""
        value = result["value"]
        shown = ", ".join(f"{k} {v:.4f}" for k, v in value.items()) if isinstance(value, dict) else f"{value:.4f}"
        unit = f" {result['unit']}" if result["unit"] else ""
        lines.append(f"{result['metric']}: {shown}{unit}{extra} on {result['dataset']}")
        lines.append("  protocol: " + json.dumps(result["protocol"], sort_keys=True))
    if report.get("html"):
        lines.append(f"report: {report['html']}")
    return "\n".join(lines)
