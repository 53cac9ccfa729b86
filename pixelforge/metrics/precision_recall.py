"""Improved precision and recall (Kynkäänniemi et al. 2019).

Each set's manifold is the union of hyperspheres around its feature vectors, each with
the radius to its k-th nearest neighbour in the same set (k = 3 in the paper). Precision is
the fraction of fake samples inside the real manifold (quality); recall the fraction of
real samples inside the fake manifold (coverage). The paper uses VGG-16 features; here any
features can be passed (pixelforge uses the FID Inception features; the protocol says so).
Distances are computed in row blocks, so memory stays O(block * N).
"""

from __future__ import annotations

import torch

from ..errors import ConfigError, DataError

DEFAULT_K = 3
_BLOCK = 512  # rows per distance block: 512 x 50,000 float64 = 200 MB


def _distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Euclidean distances between rows a (n, D) and b (m, D) -> (n, m); float64 keeps the
    matrix-product form (||a||² + ||b||² - 2ab) accurate."""
    return torch.cdist(a, b)


def nearest_neighbour_radii(features: torch.Tensor, k: int = DEFAULT_K) -> torch.Tensor:
    """(N, D) -> (N,): each row's distance to its k-th nearest other row."""
    radii = []
    for start in range(0, features.shape[0], _BLOCK):
        distances = _distances(features[start:start + _BLOCK], features)  # (block, N), self at 0
        radii.append(distances.kthvalue(k + 1, dim=1).values)  # k+1: the zero distance to itself comes first
    return torch.cat(radii)


def coverage(manifold: torch.Tensor, radii: torch.Tensor, queries: torch.Tensor) -> float:
    """Fraction of `queries` (M, D) within radii[i] of some manifold[i] (N, D)."""
    inside = []
    for start in range(0, queries.shape[0], _BLOCK):
        distances = _distances(queries[start:start + _BLOCK], manifold)  # (block, N)
        inside.append((distances <= radii[None, :]).any(dim=1))
    return float(torch.cat(inside).double().mean())


def improved_precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = DEFAULT_K) -> tuple[float, float]:
    """(precision, recall) in [0, 1] of fake features (M, D) against real features (N, D)."""
    real, fake = torch.as_tensor(real).double(), torch.as_tensor(fake).double()
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise DataError(f"features of shapes {tuple(real.shape)} and {tuple(fake.shape)}: expected (N, D) and (M, D)")
    if k < 1 or min(real.shape[0], fake.shape[0]) <= k:
        raise ConfigError(f"k={k} with {real.shape[0]} real and {fake.shape[0]} fake images: "
                          f"expected 1 <= k < the number of images in each set")
    precision = coverage(real, nearest_neighbour_radii(real, k), fake)
    recall = coverage(fake, nearest_neighbour_radii(fake, k), real)
    return precision, recall
