"""Nearest training images of queries, in pixel or feature space: the memorization check for samples."""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor

from ..data import ImageDataset
from ..errors import ConfigError
from ..images import to_float
from .targets import check_images

FeatureFunction = Callable[[Tensor], Tensor]


def _stored_images(dataset: ImageDataset | Tensor) -> Tensor:
    """The images of a dataset as stored: uint8 for an ImageDataset, else the tensor itself."""
    return dataset.images if isinstance(dataset, ImageDataset) else dataset


def _as_float(images: Tensor) -> Tensor:
    return to_float(images) if images.dtype == torch.uint8 else images


@torch.no_grad()
def _features(images: Tensor, feature_fn: FeatureFunction | None) -> Tensor:
    """(B, F) float64 features: the flattened pixels, or feature_fn(images) flattened."""
    features = images if feature_fn is None else feature_fn(images)
    return features.flatten(1).double()


def nearest_neighbours(queries: Tensor, dataset_images: Tensor | ImageDataset, k: int = 5,
                       feature_fn: FeatureFunction | None = None,
                       batch_size: int = 2048) -> tuple[Tensor, Tensor]:
    """The k nearest dataset images of each query by Euclidean (L2) distance.

    `queries` (Q, C, H, W) in [-1, 1]; `dataset_images` (N, C, H, W) float in
    [-1, 1] or uint8 in [0, 255], or an ImageDataset. Distances are between pixels,
    or between `feature_fn` outputs (e.g. a classifier's `features` in eval mode).
    The dataset is read in chunks of `batch_size` images on the queries' device,
    so N = 60,000 never needs a float copy of the whole set; squared distances are
    expanded as |q|² - 2 q·d + |d|² in float64, so an exact match lies within
    ~1e-6 of 0. Returns indices (Q, k) int64 and distances (Q, k) float32, nearest first.
    """
    check_images(queries, "queries")
    reference = _stored_images(dataset_images)
    if reference.ndim != 4 or reference.shape[1:] != queries.shape[1:]:
        raise ConfigError(f"dataset images of shape {tuple(reference.shape)} do not match queries "
                          f"{tuple(queries.shape)}: expected (N, {', '.join(map(str, queries.shape[1:]))})")
    if not 1 <= k <= reference.shape[0] or batch_size < 1:
        raise ConfigError(f"k={k}, batch_size={batch_size}: expected 1 <= k <= {reference.shape[0]} "
                          f"(the dataset size) and a positive batch_size")
    query_features = _features(queries, feature_fn)                                    # (Q, F)
    query_norms = query_features.pow(2).sum(1, keepdim=True)                           # (Q, 1)
    count = queries.shape[0]
    best_squared = query_features.new_empty((count, 0))
    best_indices = torch.empty((count, 0), dtype=torch.int64, device=queries.device)
    for start in range(0, reference.shape[0], batch_size):
        chunk = _features(_as_float(reference[start:start + batch_size].to(queries.device)), feature_fn)
        squared = (query_norms - 2.0 * query_features @ chunk.T + chunk.pow(2).sum(1)[None]).clamp(min=0)
        indices = torch.arange(start, start + chunk.shape[0], device=queries.device).expand(count, -1)
        candidates = torch.cat([best_squared, squared], dim=1)                         # (Q, k + chunk)
        best_squared, order = candidates.topk(min(k, candidates.shape[1]), dim=1, largest=False)
        best_indices = torch.cat([best_indices, indices], dim=1).gather(1, order)
    return best_indices, best_squared.sqrt().float()


def neighbour_grid(queries: Tensor, dataset: Tensor | ImageDataset, k: int = 5,
                   feature_fn: FeatureFunction | None = None) -> Tensor:
    """Each query followed by its k nearest dataset images: (Q·(k + 1), C, H, W) in [-1, 1], on the CPU.

    Save it with `save_image_grid(grid, path, nrow=k + 1)`: one row per query.
    A generated sample that equals its first neighbour was memorized.
    """
    indices, _ = nearest_neighbours(queries, dataset, k, feature_fn)
    reference = _stored_images(dataset)
    neighbours = _as_float(reference[indices.flatten().to(reference.device)]).cpu()   # (Q·k, C, H, W)
    neighbours = neighbours.view(queries.shape[0], k, *queries.shape[1:])
    return torch.cat([queries.detach().cpu()[:, None], neighbours], dim=1).flatten(0, 1)
