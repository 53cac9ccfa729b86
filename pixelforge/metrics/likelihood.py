"""Test-set negative log-likelihood in nats per image and bits per dimension, with its protocol."""

from __future__ import annotations

import math
import time

import torch
from tqdm.auto import tqdm

from ..data import FIXED_BINARIZATION_PROTOCOL, ImageDataset, binarize_fixed
from ..errors import ConfigError
from ..models.base import GenerativeModel
from ..models.likelihoods import nats_to_bits_per_dim
from ..runtime import make_generator


def prepare_eval_images(model: GenerativeModel, dataset: ImageDataset, seed: int = 0) -> tuple[torch.Tensor, str]:
    """All test images as the model sees them: (N, C, H, W) and how they were binarized/quantized."""
    x, _ = dataset.batch(torch.arange(len(dataset)))
    if model.input_kind == "binary":
        return binarize_fixed(x, seed=seed), FIXED_BINARIZATION_PROTOCOL
    return x, "8-bit pixels as 256 discrete levels (no dequantization; discretized likelihood)"


@torch.no_grad()
def evaluate_nll(model: GenerativeModel, dataset: ImageDataset, importance_samples: int | None = None,
                 batch_size: int = 100, seed: int = 0, limit: int | None = None,
                 progress: bool = True) -> dict:
    """Mean test NLL of `model` on `dataset`: a result dict {metric, value, unit, ..., protocol}.

    For latent-variable models the value is the importance-weighted bound with
    `importance_samples` samples (an upper bound on the true NLL).
    """
    if type(model).log_prob is GenerativeModel.log_prob:
        raise ConfigError(f"model {model.registered_name!r} has no likelihood: the 'nll' metric does not apply")
    model.eval()
    images, preprocessing = prepare_eval_images(model, dataset, seed)
    labels = dataset.labels if model.config.num_classes else None
    if limit is not None:
        images = images[:limit]
        labels = None if labels is None else labels[:limit]
    generator = make_generator(seed, model.device)
    kwargs = {} if importance_samples is None else {"num_samples": importance_samples}
    total, started = 0.0, time.perf_counter()
    for start in tqdm(range(0, len(images), batch_size), desc="nll", disable=not progress, unit="batch"):
        x = images[start:start + batch_size].to(model.device)
        y = None if labels is None else labels[start:start + batch_size].to(model.device)
        total += float(-model.log_prob(x, y, generator=generator, **kwargs).double().sum())
    nats = total / len(images)
    num_dims = math.prod(images.shape[1:])
    k = importance_samples or getattr(model.config, "importance_samples", None)
    protocol = {
        "dataset": dataset.name, "split": dataset.split, "num_images": len(images),
        "preprocessing": preprocessing, "estimator": _estimator(model, k), "seed": seed,
        "dimensions": num_dims,
    }
    return {"metric": "nll", "value": nats, "unit": "nats/image",
            "bits_per_dim": float(nats_to_bits_per_dim(nats, num_dims)),
            "wall_seconds": time.perf_counter() - started, "dataset": f"{dataset.name}:{dataset.split}",
            "protocol": protocol}


def _estimator(model: GenerativeModel, k: int | None) -> str:
    if callable(getattr(model, "likelihood_estimator", None)):  # a family that describes its own bound
        return model.likelihood_estimator()
    if hasattr(model.config, "importance_samples"):
        return f"importance-weighted bound (Burda et al. 2015) with k={k} samples per image"
    return "exact log-likelihood"
