"""Reference features and statistics of a dataset, cached on disk as .npz.

A cache file is keyed by everything that changes its content: dataset name and source,
split, number of images, image shape, and the feature protocol (network, weights SHA-256,
resize, input scaling). It lives under `<data root>/reference-statistics/` (or a folder
you give) and holds `features` (N, D) float32, `mean` (D,) and `covariance` (D, D) float64
and `metadata` (the key, as JSON). It is written to a temporary file and renamed into place,
so readers never see half a file; a file that cannot be read is recomputed and replaced.

Large sets are extracted in pieces of `piece_size` images, each saved beside the final file
(`<name>.part-<start>-<stop>.npz`, same key) as soon as it is done: an interrupted extraction
(CIFAR-10 train is about two core-hours of Inception on a CPU) resumes at the first missing
piece instead of starting again. The pieces are removed once the whole file is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
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
PIECE_SIZE = 5000


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
                       device: str | torch.device | None = None, progress: bool = True,
                       piece_size: int = PIECE_SIZE) -> FeatureSet:
    """Features and statistics of the first `num_images` (default all) images of a dataset split.

    `dataset`: a name or path for pixelforge.load_dataset (with `split`, `data_root`), or an
    ImageDataset (already resized as wanted). Read from the cache when a file with the same
    key exists, else computed with `extractor` (default: FID Inception, "legacy" resize) and saved.
    `description["cache"]` says "read" or "written" and gives the file. Sets larger than
    `piece_size` are extracted resumably, piece by piece (see the module docstring).
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
    if piece_size < 1:
        raise ConfigError(f"piece_size={piece_size}: expected a positive number of images")
    if count <= piece_size:
        feature_set = compute_features(dataset, extractor, batch_size=batch_size, device=device, limit=count,
                                       progress=progress)
    else:
        feature_set = _compute_in_pieces(dataset, count, extractor, path, key, piece_size, batch_size, device,
                                         progress)
    _write(path, key, feature_set)
    for piece in _piece_paths(path, count, piece_size):
        piece.unlink(missing_ok=True)
    feature_set.description["cache"] = {"status": "written", "file": str(path)}
    return feature_set


def _piece_paths(path: Path, count: int, piece_size: int) -> list[Path]:
    return [path.with_name(f"{path.stem}.part-{start}-{min(start + piece_size, count)}.npz")
            for start in range(0, count, piece_size)]


def _compute_in_pieces(dataset: ImageDataset, count: int, extractor: nn.Module, path: Path, key: dict,
                       piece_size: int, batch_size: int | None, device, progress: bool) -> FeatureSet:
    """Features of the first `count` images, piece by piece, reusing pieces an earlier run saved."""
    pieces, seconds, reused = [], 0.0, 0
    paths = _piece_paths(path, count, piece_size)
    for index, piece_path in enumerate(paths):
        start = index * piece_size
        stop = min(start + piece_size, count)
        piece_key = dict(key, piece=[start, stop])
        stored = _read_arrays(piece_path, piece_key, ("features",), "piece of reference features")
        if stored is not None:
            features, metadata = stored[0], stored[1]
            reused += 1
        else:
            if progress:
                print(f"{path.stem}: images {start}..{stop} of {count} (piece {index + 1}/{len(paths)})")
            began = time.perf_counter()
            piece = compute_features(dataset.subset(torch.arange(start, stop)), extractor, batch_size=batch_size,
                                     device=device, progress=progress)
            features, metadata = piece.features.numpy(), {"seconds": time.perf_counter() - began}
            _save_npz(piece_path, features=features, metadata=np.array(json.dumps({"key": piece_key, **metadata})))
        seconds += metadata["seconds"]
        pieces.append(torch.from_numpy(features))
    description = {"source": dataset.name, "split": dataset.split, "dataset_source": dataset.source,
                   "num_images": count, "image_shape": [dataset.channels, *dataset.image_size],
                   "extractor": describe_extractor(extractor), "extraction_seconds": round(seconds, 3),
                   "pieces": {"size": piece_size, "count": len(paths), "reused_from_an_earlier_run": reused}}
    return FeatureSet(torch.cat(pieces), description)


def _read_arrays(path: Path, key: dict, names: tuple[str, ...], what: str) -> tuple | None:
    """(*arrays named `names`, metadata) from a cache file whose key matches, else None (with a
    warning when the file exists but cannot be read: it is then computed again)."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            metadata = json.loads(str(stored["metadata"]))
            arrays = tuple(stored[name] for name in names)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, json.JSONDecodeError) as error:
        warnings.warn(f"{path}: unreadable {what} ({error}); computing again", stacklevel=4)
        return None
    return (*arrays, metadata) if metadata.get("key") == key else None


def _read(path: Path, key: dict) -> FeatureSet | None:
    stored = _read_arrays(path, key, ("features", "mean", "covariance"), "reference statistics")
    if stored is None:
        return None
    features, mean, covariance, metadata = stored
    description = dict(metadata["description"], cache={"status": "read", "file": str(path)})
    return FeatureSet(torch.from_numpy(features), description, statistics=(mean, covariance))


def _write(path: Path, key: dict, feature_set: FeatureSet) -> None:
    mean, covariance = feature_set.statistics()
    metadata = json.dumps({"key": key, "description": feature_set.description}, sort_keys=True)
    _save_npz(path, features=feature_set.features.numpy(), mean=mean, covariance=covariance,
              metadata=np.array(metadata))


def _save_npz(path: Path, **arrays: np.ndarray) -> None:
    """Write `arrays` to `path` through a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        with open(temporary, "wb") as handle:
            np.savez(handle, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
