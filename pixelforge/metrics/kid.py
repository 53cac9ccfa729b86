"""Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs").

The unbiased estimator of the squared MMD with the cubic polynomial kernel
k(x, y) = (xᵀy / d + 1)³, averaged over random subsets (as in the paper's code, torch-fidelity,
clean-fid and torchmetrics): for subsets X, Y of m real and m fake features,

    MMD²ᵤ = Σ_{i≠j} k(xᵢ, xⱼ) / (m(m-1)) + Σ_{i≠j} k(yᵢ, yⱼ) / (m(m-1)) - 2 Σ_{i,j} k(xᵢ, yⱼ) / m²

Unbiased, so it is ~0 (and can be slightly negative) for two samples of one distribution.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

from ..errors import ConfigError, DataError

DEFAULT_SUBSETS = 100
DEFAULT_SUBSET_SIZE = 1000


def polynomial_kernel(x: np.ndarray, y: np.ndarray, degree: int = 3, coefficient: float = 1.0) -> np.ndarray:
    """k(x, y) = (xᵀy / d + coefficient)^degree for rows x (N, D), y (M, D) -> (N, M)."""
    return (x @ y.T / x.shape[1] + coefficient) ** degree


def unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased squared MMD (cubic polynomial kernel) of samples x (m, D) and y (n, D), m, n >= 2."""
    m, n = x.shape[0], y.shape[0]
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within_x = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    within_y = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(within_x + within_y - 2 * k_xy.mean())


def _as_float64(features: torch.Tensor | np.ndarray, what: str) -> np.ndarray:
    values = features.detach().cpu().double().numpy() if isinstance(features, torch.Tensor) else \
        np.asarray(features, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] < 2:
        raise DataError(f"{what} features of shape {values.shape}: expected (N, D) with N >= 2")
    if not np.isfinite(values).all():
        raise DataError(f"{what} features contain NaN or infinite values")
    return values


def kernel_inception_distance(real: torch.Tensor | np.ndarray, fake: torch.Tensor | np.ndarray,
                              num_subsets: int = DEFAULT_SUBSETS, subset_size: int = DEFAULT_SUBSET_SIZE,
                              seed: int = 0) -> tuple[float, float, int]:
    """KID of features real (N, D) and fake (M, D): (mean, standard deviation over subsets, subset size used).

    Each of `num_subsets` subsets draws `subset_size` rows of each set without replacement
    (numpy Generator seeded with `seed`). A subset size above min(N, M) is clamped with a warning.
    """
    x, y = _as_float64(real, "real"), _as_float64(fake, "fake")
    if x.shape[1] != y.shape[1]:
        raise DataError(f"real features have {x.shape[1]} dimensions and fake {y.shape[1]}: expected the same")
    if num_subsets < 1 or subset_size < 2:
        raise ConfigError(f"num_subsets={num_subsets}, subset_size={subset_size}: expected >= 1 and >= 2")
    size = min(subset_size, x.shape[0], y.shape[0])
    if size < subset_size:
        warnings.warn(f"KID subset size {subset_size} is more than the {min(x.shape[0], y.shape[0])} images "
                      f"available: using subsets of {size}", stacklevel=2)
    random = np.random.default_rng(seed)
    values = np.array([unbiased_mmd2(x[random.choice(x.shape[0], size, replace=False)],
                                     y[random.choice(y.shape[0], size, replace=False)])
                       for _ in range(num_subsets)])
    return float(values.mean()), float(values.std()), size
