"""Sample-quality evaluation of a generative model: sample in batches, compare with a dataset split."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import torch
from torch import nn

from ..data import ImageDataset
from ..errors import ConfigError
from ..models.base import GenerativeModel
from ..runtime import make_generator
from .feature_sets import FeatureSet, compute_features
from .features import InceptionFeatureExtractor
from .generative import compute_fid, compute_inception_score, compute_kid, compute_precision_recall
from .inception_score import NEEDS_LOGITS
from .reference import reference_features

# Metric names on the command line: FID, KID, precision/recall, Inception Score.
SAMPLE_METRICS = ("fid", "kid", "pr", "is")


def sample_batches(model: GenerativeModel, num_samples: int, batch_size: int,
                   seed: int = 0) -> Iterator[torch.Tensor]:
    """`num_samples` images from model.sample in batches of `batch_size`: float32 (B, C, H, W) in [-1, 1].

    One torch.Generator seeded with `seed` draws every batch, so the samples depend only on the seed
    and the batch size. Conditional models get their default labels (all classes in turn).
    """
    generator = make_generator(seed, model.device)
    for start in range(0, num_samples, batch_size):
        yield model.sample(min(batch_size, num_samples - start), generator=generator).float()


def evaluate_sample_quality(model: GenerativeModel, dataset: ImageDataset, metrics: tuple[str, ...],
                            num_samples: int | None = None, seed: int = 0, limit: int | None = None,
                            batch_size: int = 100, extractor: nn.Module | None = None,
                            feature_weights: str | Path | None = None, resize: str = "legacy",
                            data_root: str | Path | None = None, fid_method: str = "sqrtm",
                            compile: bool = False, progress: bool = True) -> list[dict]:
    """Result dicts of `metrics` (names in SAMPLE_METRICS) for `model`'s samples against `dataset`.

    The reference features are the first `limit` (default all) images of `dataset`, cached
    under the data root; `num_samples` samples (default: as many as reference images) are
    drawn in batches of `batch_size` with `seed`. `extractor` default: FID Inception-v3 with
    `feature_weights` (default default_1.pt) and `resize`, on the model's device, torch.compiled
    with `compile` (faster on large sets after a one-off compilation; same values to float32
    rounding, and the same reference cache).
    """
    unknown = [name for name in metrics if name not in SAMPLE_METRICS]
    if unknown:
        raise ConfigError(f"unknown sample metric(s) {unknown}: expected some of {tuple(SAMPLE_METRICS)}")
    if not isinstance(model, GenerativeModel):
        raise ConfigError(f"model {getattr(model, 'registered_name', type(model).__name__)!r} cannot sample: "
                          f"the metrics {list(metrics)} compare generated images")
    if extractor is None:
        extractor = InceptionFeatureExtractor(weights=feature_weights, resize=resize, device=model.device,
                                              compile=compile)
    if "is" in metrics and not getattr(extractor, "has_logits", hasattr(extractor, "features_and_logits")):
        raise ConfigError(NEEDS_LOGITS)  # before sampling and extracting anything
    real = reference_features(dataset, extractor=extractor, num_images=limit, data_root=data_root,
                              device=model.device, progress=progress)
    count = num_samples if num_samples is not None else len(real)
    if count < 2:
        raise ConfigError(f"num_samples={num_samples}: expected at least 2 samples")
    model.eval()
    fake = compute_features(sample_batches(model, count, batch_size, seed), extractor, device=model.device,
                            limit=count, with_logits="is" in metrics, progress=progress)
    fake.description["source"] = f"samples of {getattr(model, 'registered_name', '') or type(model).__name__}"
    sampling = {"num_samples": count, "seed": seed, "batch_size": batch_size,
                "labels": "model default (classes in turn)" if getattr(model.config, "num_classes", 0) else None}
    results = []
    for name in metrics:
        result = _compare(name, real, fake, seed, fid_method)
        result["protocol"]["sampling"] = sampling
        results.append(result)
    return results


def _compare(name: str, real: FeatureSet, fake: FeatureSet, seed: int, fid_method: str) -> dict:
    if name == "fid":
        return compute_fid(real, fake, method=fid_method)
    if name == "kid":
        return compute_kid(real, fake, seed=seed)
    if name == "pr":
        return compute_precision_recall(real, fake)
    return compute_inception_score(fake)
