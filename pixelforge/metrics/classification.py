"""Classifier accuracy on a labelled test set, with its protocol."""

from __future__ import annotations

import time

import torch

from ..data import ImageDataset
from ..errors import ConfigError


@torch.no_grad()
def evaluate_accuracy(model, dataset: ImageDataset, batch_size: int = 500, limit: int | None = None) -> dict:
    """Top-1 accuracy (%) of a classifier on `dataset`, plus per-class accuracy."""
    if not hasattr(model, "predict"):
        raise ConfigError(f"model {model.registered_name!r} is not a classifier: 'accuracy' does not apply")
    if dataset.labels is None:
        raise ConfigError(f"{dataset.name}: accuracy needs labelled images")
    model.eval()
    count = len(dataset) if limit is None else min(limit, len(dataset))
    started = time.perf_counter()
    predictions, labels = [], []
    for start in range(0, count, batch_size):
        x, y = dataset.batch(torch.arange(start, min(start + batch_size, count)))
        predictions.append(model.predict(x.to(model.device)).cpu())
        labels.append(y)
    predicted, truth = torch.cat(predictions), torch.cat(labels)
    correct = predicted == truth
    per_class = {int(c): float(correct[truth == c].float().mean() * 100) for c in truth.unique()}
    return {"metric": "accuracy", "value": float(correct.float().mean() * 100), "unit": "%",
            "dataset": f"{dataset.name}:{dataset.split}", "per_class": per_class,
            "wall_seconds": time.perf_counter() - started,
            "protocol": {"dataset": dataset.name, "split": dataset.split, "num_images": count,
                         "preprocessing": "pixels scaled to [-1, 1]; no test-time augmentation", "top_k": 1}}
