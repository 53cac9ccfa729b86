"""Sample-quality metrics of generated images against real ones, each a result dict with its protocol.

    real = reference_features("cifar10", split="test")          # cached on disk after the first call
    result = compute_fid(real, model_samples)                   # {"metric": "fid", "value": ..., "protocol": {...}}

`real` and `fake` are anything compute_features takes (image tensors in [-1, 1], an
ImageDataset, a folder, an iterable of batches) or FeatureSets already computed; images
are turned into features with `extractor` (default: FID Inception-v3, "legacy" resize).
"""

from __future__ import annotations

import time

import torch
from torch import nn

from ..errors import DataError
from .feature_sets import FeatureSet, compute_features
from .fid import UNBIASED_MINIMUM, frechet_distance, warn_if_biased
from .inception_score import DEFAULT_SPLITS, inception_score_from_logits
from .kid import DEFAULT_SUBSET_SIZE, DEFAULT_SUBSETS, kernel_inception_distance
from .precision_recall import DEFAULT_K, improved_precision_recall


def feature_pair(real, fake, extractor: nn.Module | None = None, batch_size: int | None = None,
                 device: str | torch.device | None = None, progress: bool = True) -> tuple[FeatureSet, FeatureSet]:
    """Features of both sets, checked to be comparable: same image shape, extractor and feature dimension."""
    real_set = compute_features(real, extractor, batch_size=batch_size, device=device, progress=progress)
    fake_set = compute_features(fake, extractor, batch_size=batch_size, device=device, progress=progress)
    real_shape, fake_shape = real_set.description.get("image_shape"), fake_set.description.get("image_shape")
    if real_shape and fake_shape and list(real_shape) != list(fake_shape):
        raise DataError(f"real images are {tuple(real_shape)} (C, H, W) but fake images are {tuple(fake_shape)}: "
                        f"expected the same size and channels (resize/convert one set first)")
    if real_set.extractor_protocol != fake_set.extractor_protocol:
        raise DataError(f"real and fake features come from different extractors ({real_set.extractor_protocol} vs "
                        f"{fake_set.extractor_protocol}): expected one network and resize for both")
    if real_set.features.shape[1] != fake_set.features.shape[1]:
        raise DataError(f"real features have {real_set.features.shape[1]} dimensions and fake "
                        f"{fake_set.features.shape[1]}: expected the same")
    return real_set, fake_set


def _protocol(real: FeatureSet, fake: FeatureSet | None = None) -> dict:
    """The common protocol fields: set sizes, reference set/split, feature network and resize."""
    extractor = real.extractor_protocol
    protocol = {"num_real": len(real), "reference_set": real.description.get("source"),
                "reference_split": real.description.get("split"),
                "image_shape": real.description.get("image_shape"),
                "feature_network": {"name": extractor.get("feature_network"), "file": extractor.get("weights_file"),
                                    "sha256": extractor.get("weights_sha256")},
                "resize": extractor.get("resize"), "features": extractor}
    if fake is not None:
        protocol.update(num_fake=len(fake), fake_source=fake.description.get("source"))
    return protocol


def _dataset_label(features: FeatureSet) -> str:
    split = features.description.get("split")
    return f"{features.description.get('source')}:{split}" if split else str(features.description.get("source"))


_ROOTS = {"sqrtm": "scipy.linalg.sqrtm of cov1 @ cov2; eps*I added to both covariances if singular",
          "eigh": "trace of (cov1^1/2 cov2 cov1^1/2)^1/2 by symmetric eigendecompositions"}


def compute_fid(real, fake, extractor: nn.Module | None = None, eps: float = 1e-6, method: str = "sqrtm",
                batch_size: int | None = None, device: str | torch.device | None = None,
                progress: bool = True) -> dict:
    """Fréchet Inception Distance between real and fake images (lower is better; 0 for equal statistics).

    `method` "sqrtm" (scipy, the reference procedure) or "eigh" (same value, faster); see
    pixelforge.metrics.fid. Warns when either set has fewer than 2048 images (FID is then biased); raises DataError
    for fewer than 2, or for sets of different image shapes.
    """
    real_set, fake_set = feature_pair(real, fake, extractor, batch_size, device, progress)
    started = time.perf_counter()
    statistics = real_set.statistics(), fake_set.statistics()  # raises DataError for fewer than 2 images
    warn_if_biased(min(len(real_set), len(fake_set)))
    distance, details = frechet_distance(*statistics[0], *statistics[1], eps=eps, method=method)
    protocol = _protocol(real_set, fake_set)
    protocol.update(statistics="float64 mean and covariance (ddof=1)", matrix_square_root=_ROOTS[method],
                    biased_by_small_sample=min(len(real_set), len(fake_set)) < UNBIASED_MINIMUM, **details)
    return {"metric": "fid", "value": distance, "unit": "", "dataset": _dataset_label(real_set),
            "wall_seconds": time.perf_counter() - started, "protocol": protocol}


def compute_kid(real, fake, extractor: nn.Module | None = None, num_subsets: int = DEFAULT_SUBSETS,
                subset_size: int = DEFAULT_SUBSET_SIZE, seed: int = 0, batch_size: int | None = None,
                device: str | torch.device | None = None, progress: bool = True) -> dict:
    """Kernel Inception Distance: mean (value) and std over subsets of the unbiased MMD² (lower is better)."""
    real_set, fake_set = feature_pair(real, fake, extractor, batch_size, device, progress)
    mean, std, size = kernel_inception_distance(real_set.features, fake_set.features, num_subsets, subset_size, seed)
    protocol = _protocol(real_set, fake_set)
    protocol.update(num_subsets=num_subsets, subset_size=size, requested_subset_size=subset_size, seed=seed,
                    kernel="cubic polynomial (x.y / d + 1)^3", estimator="unbiased MMD^2 (Binkowski et al. 2018)")
    return {"metric": "kid", "value": mean, "std": std, "unit": "", "dataset": _dataset_label(real_set),
            "protocol": protocol}


def compute_inception_score(images, extractor: nn.Module | None = None, num_splits: int = DEFAULT_SPLITS,
                            batch_size: int | None = None, device: str | torch.device | None = None,
                            progress: bool = True) -> dict:
    """Inception Score of images (higher is better): mean (value) and std over `num_splits` splits.

    Needs an extractor with class logits: the default weights have none (ConfigError); use
    InceptionFeatureExtractor(weights="pt_inception-2015-12-05-6726825d.pth").
    """
    feature_set = compute_features(images, extractor, batch_size=batch_size, device=device, with_logits=True,
                                   progress=progress)
    mean, std = inception_score_from_logits(feature_set.logits, num_splits)
    protocol = _protocol(feature_set)
    protocol.update(num_splits=num_splits, classes=int(feature_set.logits.shape[1]),
                    softmax="over all logits; splits are consecutive equal parts")
    return {"metric": "inception_score", "value": mean, "std": std, "unit": "",
            "dataset": _dataset_label(feature_set), "protocol": protocol}


def compute_precision_recall(real, fake, extractor: nn.Module | None = None, k: int = DEFAULT_K,
                             batch_size: int | None = None, device: str | torch.device | None = None,
                             progress: bool = True) -> dict:
    """Improved precision and recall of fake against real images: value {"precision", "recall"},
    both in [0, 1] (higher is better)."""
    real_set, fake_set = feature_pair(real, fake, extractor, batch_size, device, progress)
    precision, recall = improved_precision_recall(real_set.features, fake_set.features, k)
    protocol = _protocol(real_set, fake_set)
    protocol.update(k=k, method="k-NN hyperspheres (Kynkaanniemi et al. 2019) on the feature network's features")
    return {"metric": "precision_recall", "value": {"precision": precision, "recall": recall}, "unit": "fraction",
            "dataset": _dataset_label(real_set), "protocol": protocol}
