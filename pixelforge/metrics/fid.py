"""The Fréchet distance between two Gaussians fitted to features (FID; Heusel et al. 2017).

    d² = ||μ₁ - μ₂||² + Tr(Σ₁ + Σ₂ - 2 (Σ₁ Σ₂)^½)

Means and covariances are computed in float64. Two ways to get Tr((Σ₁Σ₂)^½):

- "sqrtm" (default, the reference procedure of the TTUR code and pytorch-fid): scipy's
  matrix square root (Schur method, Deadman et al. 2013) with their fallbacks: when Σ₁Σ₂
  is singular and the root is not finite (here also: when ||X X - A||_F / ||A||_F > 1e-3),
  ε·I is added to both covariances; a complex root whose diagonal has an imaginary part
  above 1e-3 is an error, a smaller one (numerical noise) is dropped. ~19 s for D = 2048
  on one CPU core.
- "eigh": the same trace from symmetric eigendecompositions, Tr((Σ₁^½ Σ₂ Σ₁^½)^½): with
  B = Σ₁^½ Σ₂, Σ₁Σ₂ = Σ₁^½ B and Σ₁^½ Σ₂ Σ₁^½ = B Σ₁^½ have the same eigenvalues (as AB
  and BA do), real and >= 0 since the latter is symmetric PSD (round-off negatives are
  clipped to 0). ~3.5x faster (5 s against 19 s for D = 2048 on one CPU
  core), needs no ε and never goes complex; tests check it agrees with "sqrtm".
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg
import torch

from ..errors import ConfigError, DataError

# Below this many images the 2048-d covariance is rank-deficient and FID is biased upwards
# (Chong & Forsyth 2020): values are comparable only at equal N.
UNBIASED_MINIMUM = 2048
# Relative error ||X @ X - A||_F / ||A||_F above which the square root is recomputed with ε·I.
_ROOT_TOLERANCE = 1e-3
_IMAGINARY_TOLERANCE = 1e-3


def feature_statistics(features: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Features (N, D) -> (mean (D,), covariance (D, D)), float64, covariance with ddof=1.

    Raises DataError for N < 2 (no covariance) and non-finite features.
    """
    values = features.detach().cpu().double().numpy() if isinstance(features, torch.Tensor) else \
        np.asarray(features, dtype=np.float64)
    if values.ndim != 2:
        raise DataError(f"features of shape {values.shape}: expected (N, D)")
    if values.shape[0] < 2:
        raise DataError(f"{values.shape[0]} feature vector(s): a covariance needs at least 2 images")
    if not np.isfinite(values).all():
        raise DataError("features contain NaN or infinite values: expected finite features")
    return values.mean(axis=0), np.cov(values, rowvar=False)


def warn_if_biased(num_images: int) -> None:
    """Warn that FID from fewer than 2048 images is biased (and only comparable at equal N)."""
    if num_images < UNBIASED_MINIMUM:
        warnings.warn(f"FID from {num_images} images (< {UNBIASED_MINIMUM}) is biased upwards: compare it only "
                      f"with values computed from the same number of images", stacklevel=3)


def _square_root(matrix: np.ndarray) -> tuple[np.ndarray, float]:
    """(scipy's principal square root of `matrix`, its relative error ||X X - A||_F / ||A||_F)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "matrix is singular": handled by the caller
        root = scipy.linalg.sqrtm(matrix)
    if not np.isfinite(root).all():
        return root, float("inf")
    scale = np.linalg.norm(matrix, "fro")
    return root, float(np.linalg.norm(root @ root - matrix, "fro") / scale) if scale > 0 else 0.0


def _trace_root_eigh(covariance_1: np.ndarray, covariance_2: np.ndarray) -> float:
    """Tr((Σ₁Σ₂)^½) as Tr((Σ₁^½ Σ₂ Σ₁^½)^½), with symmetric eigendecompositions."""
    values, vectors = np.linalg.eigh(covariance_1)
    root_1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T  # Σ₁^½, symmetric
    inner = root_1 @ covariance_2 @ root_1
    return float(np.sqrt(np.clip(np.linalg.eigvalsh((inner + inner.T) / 2), 0, None)).sum())


def frechet_distance(mean_1: np.ndarray, covariance_1: np.ndarray, mean_2: np.ndarray,
                     covariance_2: np.ndarray, eps: float = 1e-6, method: str = "sqrtm") -> tuple[float, dict]:
    """The squared Fréchet distance between N(mean_1, covariance_1) and N(mean_2, covariance_2).

    Means (D,), covariances (D, D). `method`: "sqrtm" or "eigh" (module docstring).
    Returns (distance, details) where details records the method, whether ε·I was added
    ("offset_eps") and the largest imaginary part dropped. Raises DataError for mismatched
    shapes or a square root with a large imaginary part.
    """
    if method not in ("sqrtm", "eigh"):
        raise ConfigError(f"method={method!r}: expected 'sqrtm' or 'eigh'")
    mean_1, mean_2 = np.atleast_1d(np.asarray(mean_1, np.float64)), np.atleast_1d(np.asarray(mean_2, np.float64))
    covariance_1 = np.atleast_2d(np.asarray(covariance_1, np.float64))
    covariance_2 = np.atleast_2d(np.asarray(covariance_2, np.float64))
    dim = mean_1.shape[0]
    if mean_2.shape != (dim,) or covariance_1.shape != (dim, dim) or covariance_2.shape != (dim, dim):
        raise DataError(f"statistics of shapes {mean_1.shape}, {covariance_1.shape} and {mean_2.shape}, "
                        f"{covariance_2.shape}: expected both sets of the same feature dimension")
    if not all(np.isfinite(value).all() for value in (mean_1, mean_2, covariance_1, covariance_2)):
        raise DataError("statistics contain NaN or infinite values: expected finite means and covariances")
    difference = mean_1 - mean_2
    base = float(difference @ difference + np.trace(covariance_1) + np.trace(covariance_2))
    if method == "eigh":
        return base - 2 * _trace_root_eigh(covariance_1, covariance_2), {"method": "eigh"}
    root, error = _square_root(covariance_1 @ covariance_2)
    offset = 0.0
    if not error <= _ROOT_TOLERANCE:
        # Singular product (e.g. fewer images than dimensions): regularize, as pytorch-fid does.
        offset = eps
        identity = np.eye(dim) * eps
        root, error = _square_root((covariance_1 + identity) @ (covariance_2 + identity))
        if not np.isfinite(root).all():
            raise DataError("the matrix square root of the covariance product is not finite even with "
                            f"eps={eps} added: expected finite, non-degenerate features")
    imaginary = 0.0
    if np.iscomplexobj(root):
        imaginary = float(np.abs(np.diagonal(root).imag).max())
        if imaginary > _IMAGINARY_TOLERANCE:
            raise DataError(f"the square root of the covariance product has an imaginary component of "
                            f"{imaginary:.3g} (> {_IMAGINARY_TOLERANCE}): the statistics are numerically unusable")
        root = root.real
    return base - 2 * float(np.trace(root)), {"method": "sqrtm", "offset_eps": offset,
                                              "imaginary_dropped": imaginary, "root_relative_error": error}
