"""Reference features and statistics of a dataset, cached on disk as .npz.

A cache file is keyed by everything that changes its content: dataset name and source,
split, number of images, image shape, and the feature protocol (network, weights SHA-256,
resize, input scaling). It lives under `<data root>/reference-statistics/` (or a folder
you give) and holds `features` (N, D) float32, `mean` (D,) and `covariance` (D, D) float64
and `metadata` (the key, as JSON). It is written to a temporary file and renamed into place,
so readers never see half a file; a file that cannot be read is recomputed and replaced.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
import warnings
import zipfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..data import ImageDataset, default_data_root, load_dataset
from ..errors import ConfigError
from .feature_sets import FeatureSet, compute_features, describe_extractor
from .features import default_extractor

CACHE_FOLDER_NAME = "reference-statistics"


def reference_key(dataset: ImageDataset, num_images: int, extractor_protocol: dict) -> dict:
    """The JSON-able key of a reference file: what the features depend on."""
    return {"dataset": dataset.name, "dataset_source": dataset.source, "split": dataset.split,
            "num_images": num_images, "image_shape": [dataset.channels, *dataset.image_size],
            "extractor": extractor_protocol}


def reference_path(key: dict, cache_dir: Path) -> Path:
    """cache_dir / "<dataset>-<split>-<num_images>-<resize>-<hash of the key>.npz"."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{key['dataset']}-{key['split']}-{key['num_images']}")
    resize = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(key["extractor"].get("resize", "features")))
    return cache_dir / f"{name}-{resize}-{digest}.npz"


def reference_features(dataset: str | Path | ImageDataset, split: str = "test", extractor: nn.Module | None = None,
                       num_images: int | None = None, cache_dir: str | Path | None = None,
                       data_root: str | Path | None = None, batch_size: int | None = None,
                       device: str | torch.device | None = None, progress: bool = True) -> FeatureSet:
    """Features and statistics of the first `num_images` (default all) images of a dataset split.

    `dataset`: a name or path for pixelforge.load_dataset (with `split`, `data_root`), or an
    ImageDataset (already resized as wanted). Read from the cache when a file with the same
    key exists, else computed with `extractor` (default: FID Inception, "legacy" resize) and saved.
    `description["cache"]` says "read" or "written" and gives the file.
    """
    if not isinstance(dataset, ImageDataset):
        dataset = load_dataset(dataset, split=split, data_root=data_root)
    count = len(dataset) if num_images is None else num_images
    if not 2 <= count <= len(dataset):
        raise ConfigError(f"num_images={num_images}: {dataset.name}:{dataset.split} has {len(dataset)} images; "
                          f"expected 2..{len(dataset)}")
    extractor = extractor if extractor is not None else default_extractor(device=device or "cpu")
    key = reference_key(dataset, count, describe_extractor(extractor))
    folder = Path(cache_dir).expanduser() if cache_dir is not None else \
        (Path(data_root).expanduser() if data_root is not None else default_data_root()) / CACHE_FOLDER_NAME
    path = reference_path(key, folder)
    cached = _read(path, key)
    if cached is not None:
        return cached
    feature_set = compute_features(dataset, extractor, batch_size=batch_size, device=device, limit=count,
                                   progress=progress)
    _write(path, key, feature_set)
    feature_set.description["cache"] = {"status": "written", "file": str(path)}
    return feature_set


def _read(path: Path, key: dict) -> FeatureSet | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            metadata = json.loads(str(stored["metadata"]))
            features, mean, covariance = stored["features"], stored["mean"], stored["covariance"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError) as error:
        warnings.warn(f"{path}: unreadable reference statistics ({error}); computing them again", stacklevel=3)
        return None
    if metadata.get("key") != key:
        return None
    description = dict(metadata["description"], cache={"status": "read", "file": str(path)})
    return FeatureSet(torch.from_numpy(features), description, statistics=(mean, covariance))


def _write(path: Path, key: dict, feature_set: FeatureSet) -> None:
    mean, covariance = feature_set.statistics()
    metadata = json.dumps({"key": key, "description": feature_set.description}, sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        with open(temporary, "wb") as handle:
            np.savez(handle, features=feature_set.features.numpy(), mean=mean, covariance=covariance,
                     metadata=np.array(metadata))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
