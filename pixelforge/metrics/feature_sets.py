"""FeatureSet and compute_features: images from anywhere -> features, with where they came from."""

from __future__ import annotations

import hashlib
import itertools
import time
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..data import ImageDataset, load_dataset
from ..errors import ConfigError, DataError
from ..images import to_float
from .features import check_images, default_extractor


class FeatureSet:
    """Features (N, D) of N images, the logits (N, K) where the extractor gives them, and a
    JSON-able `description`: source, split, num_images, image_shape [C, H, W], extractor protocol.

    `statistics()` gives the float64 mean (D,) and covariance (D, D), computed once.
    """

    def __init__(self, features: torch.Tensor, description: dict, logits: torch.Tensor | None = None,
                 statistics: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        if features.ndim != 2:
            raise DataError(f"features of shape {tuple(features.shape)}: expected (N, D)")
        self.features, self.description, self.logits = features, dict(description), logits
        self._statistics = statistics

    def __len__(self) -> int:
        return int(self.features.shape[0])

    @property
    def extractor_protocol(self) -> dict:
        return self.description.get("extractor", {})

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean (D,), covariance (D, D)), both float64, covariance with ddof=1 (needs N >= 2)."""
        if self._statistics is None:
            from .fid import feature_statistics

            self._statistics = feature_statistics(self.features)
        return self._statistics

    def __repr__(self) -> str:
        source = self.description.get("source")
        return f"FeatureSet(num_images={len(self)}, dim={self.features.shape[1]}, source={source!r})"


def describe_extractor(extractor: nn.Module) -> dict:
    """The extractor's own `protocol` dict, else its class name and a SHA-256 of its state_dict."""
    protocol = getattr(extractor, "protocol", None)
    if isinstance(protocol, dict):
        return dict(protocol)
    digest = hashlib.sha256()
    for name, tensor in sorted(extractor.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return {"feature_network": type(extractor).__qualname__, "weights_sha256": digest.hexdigest()}


def _batches(source, batch_size: int, limit: int | None) -> tuple[Iterator[torch.Tensor], dict, int | None]:
    """(float batches in [-1, 1], description, number of images if known) for any image source."""
    if isinstance(source, (str, Path)):
        path = Path(source).expanduser()
        if not path.exists():
            raise DataError(f"{path}: no such image file or folder (for a named dataset, pass "
                            f"pixelforge.load_dataset(name, split=...) or use reference_features)")
        source = load_dataset(path)
    if isinstance(source, ImageDataset):
        count = len(source) if limit is None else min(limit, len(source))
        batches = (to_float(source.images[start:start + batch_size][: count - start])
                   for start in range(0, count, batch_size))
        description = {"source": source.name, "split": source.split, "dataset_source": source.source}
        return batches, description, count
    if isinstance(source, torch.Tensor):
        images = to_float(source) if source.dtype == torch.uint8 else source
        if images.ndim != 4:
            raise DataError(f"images of shape {tuple(images.shape)}: expected (N, C, H, W)")
        count = images.shape[0] if limit is None else min(limit, images.shape[0])
        return (images[start:min(start + batch_size, count)] for start in range(0, count, batch_size)), \
            {"source": "tensor"}, count
    if isinstance(source, Iterable):
        return _chunked(iter(source), batch_size, limit), {"source": "iterable"}, limit
    raise ConfigError(f"cannot take images from a {type(source).__name__}: expected a tensor (N, C, H, W), an "
                      f"ImageDataset, a folder or image file path, or an iterable of image batches")


def _chunked(batches: Iterator[torch.Tensor], batch_size: int, limit: int | None) -> Iterator[torch.Tensor]:
    """The first `limit` images of `batches`, re-cut into pieces of at most `batch_size` (the
    extractor's batch size need not be the size the images come in, e.g. sampling batches)."""
    seen = 0
    for batch in batches:
        batch = to_float(batch) if batch.dtype == torch.uint8 else batch
        for chunk in batch.split(batch_size):
            if limit is not None and seen >= limit:
                return
            chunk = chunk if limit is None else chunk[: limit - seen]
            seen += chunk.shape[0]
            yield chunk


def compute_features(source, extractor: nn.Module | None = None, batch_size: int | None = None,
                     device: str | torch.device | None = None, limit: int | None = None,
                     with_logits: bool = False, progress: bool = True) -> FeatureSet:
    """Features of every image in `source`: a FeatureSet (float32 features (N, D) on the CPU).

    `source`: float images (N, C, H, W) in [-1, 1] (or uint8 in [0, 255]); an ImageDataset;
    a folder or image file path (read with pixelforge.load_dataset); an iterable of such
    batches (e.g. a model's samples); or a FeatureSet (returned as is). `extractor`: any
    module mapping images in [-1, 1] to (N, D); default the FID Inception network with the
    "legacy" resize on `device`. `batch_size`: images per extractor call (incoming batches
    are re-cut to it); default 8 on CPU (fastest on one core), 100 on GPU. `limit`: the first N images only. `with_logits`: also keep the classifier
    logits (the extractor must have `features_and_logits`). Raises DataError for images
    outside [-1, 1], of the wrong shape, or of different shapes within the source.
    """
    if isinstance(source, FeatureSet):
        return source
    if extractor is None:
        extractor = default_extractor(device=device or "cpu")
    device = torch.device(device) if device is not None else _module_device(extractor)
    batch_size = batch_size or (100 if device.type == "cuda" else 8)
    if batch_size < 1:
        raise ConfigError(f"batch_size={batch_size}: expected a positive integer")
    batches, description, count = _batches(source, batch_size, limit)
    started, shape = time.perf_counter(), None
    features, logits = [], []
    bar = tqdm(total=count, desc="features", unit="image", disable=not progress, leave=False)
    for batch in batches:
        check_images(batch)
        if shape is None:
            shape = tuple(batch.shape[1:])
        elif tuple(batch.shape[1:]) != shape:
            raise DataError(f"a batch of images {tuple(batch.shape[1:])} among images {shape}: expected one shape")
        batch_features, batch_logits = _extract(extractor, batch.to(device), with_logits)
        features.append(batch_features.float().cpu())
        if batch_logits is not None:
            logits.append(batch_logits.float().cpu())
        bar.update(batch.shape[0])
    bar.close()
    if shape is None:
        raise DataError(f"no images in {description['source']}: expected at least one")
    stacked = torch.cat(features)
    description.update(num_images=int(stacked.shape[0]), image_shape=list(shape),
                       extractor=describe_extractor(extractor),
                       extraction_seconds=round(time.perf_counter() - started, 3))
    return FeatureSet(stacked, description, torch.cat(logits) if logits else None)


def _extract(extractor: nn.Module, images: torch.Tensor,
             with_logits: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    if not with_logits:
        with torch.inference_mode():
            return extractor(images), None
    if not hasattr(extractor, "features_and_logits"):
        raise ConfigError(f"{type(extractor).__name__} gives no class logits: expected an extractor with "
                          f"features_and_logits (e.g. InceptionFeatureExtractor with pytorch-fid weights)")
    return extractor.features_and_logits(images)


def _module_device(module: nn.Module) -> torch.device:
    if isinstance(getattr(module, "device", None), torch.device):
        return module.device
    first = next(itertools.chain(module.parameters(), module.buffers()), None)
    return first.device if first is not None else torch.device("cpu")
