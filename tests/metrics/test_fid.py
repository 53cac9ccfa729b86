"""The Fréchet distance: closed forms, the sqrtm fallbacks, and FID's input checks."""

import numpy as np
import pytest
import scipy.linalg
import torch

from pixelforge.errors import DataError
from pixelforge.metrics import compute_fid, feature_statistics, frechet_distance


@pytest.mark.parametrize("method", ["sqrtm", "eigh"])
def test_frechet_distance_of_diagonal_gaussians_matches_the_closed_form(method):
    random = np.random.default_rng(0)
    mean_1, mean_2 = random.normal(size=64), random.normal(size=64)
    variance_1, variance_2 = random.uniform(0.1, 3.0, 64), random.uniform(0.1, 3.0, 64)
    expected = np.sum((mean_1 - mean_2) ** 2) + np.sum(variance_1 + variance_2 - 2 * np.sqrt(variance_1 * variance_2))
    distance, details = frechet_distance(mean_1, np.diag(variance_1), mean_2, np.diag(variance_2), method=method)
    assert distance == pytest.approx(expected, rel=1e-10)
    assert details["method"] == method


@pytest.mark.parametrize("method", ["sqrtm", "eigh"])
def test_frechet_distance_of_rotated_full_covariances_matches_the_closed_form(method):
    # Σ₁ = Q diag(a) Qᵀ and Σ₂ = Q diag(b) Qᵀ commute, so Tr((Σ₁Σ₂)^½) = Σ √(a b).
    random = np.random.default_rng(1)
    rotation, _ = np.linalg.qr(random.normal(size=(32, 32)))
    a, b = random.uniform(0.5, 2.0, 32), random.uniform(0.5, 2.0, 32)
    covariance_1, covariance_2 = rotation @ np.diag(a) @ rotation.T, rotation @ np.diag(b) @ rotation.T
    distance, _ = frechet_distance(np.zeros(32), covariance_1, np.ones(32), covariance_2, method=method)
    assert distance == pytest.approx(32 + np.sum(a + b - 2 * np.sqrt(a * b)), rel=1e-9)


def test_fid_of_a_feature_set_with_itself_is_zero(recwarn):
    features = torch.randn(300, 40, generator=torch.Generator().manual_seed(0))
    mean, covariance = feature_statistics(features)
    distance, _ = frechet_distance(mean, covariance, mean, covariance)
    assert abs(distance) < 1e-8


def test_sqrtm_and_eigh_agree_on_rank_deficient_covariances(recwarn):
    # 50 images of 128-d features: singular covariances, as with a few dozen images and 2048-d Inception features.
    generator = torch.Generator().manual_seed(2)
    real, fake = torch.randn(50, 128, generator=generator), 0.5 + 1.3 * torch.randn(50, 128, generator=generator)
    by_sqrtm, _ = frechet_distance(*feature_statistics(real), *feature_statistics(fake), method="sqrtm")
    by_eigh, _ = frechet_distance(*feature_statistics(real), *feature_statistics(fake), method="eigh")
    assert by_sqrtm == pytest.approx(by_eigh, rel=1e-5)


def test_a_non_finite_square_root_is_retried_with_eps_on_the_diagonal(monkeypatch):
    calls = []
    real_sqrtm = scipy.linalg.sqrtm

    def failing_once(matrix):
        calls.append(matrix.copy())
        return np.full_like(matrix, np.nan) if len(calls) == 1 else real_sqrtm(matrix)

    monkeypatch.setattr(scipy.linalg, "sqrtm", failing_once)
    covariance = np.diag([1.0, 4.0])
    distance, details = frechet_distance(np.zeros(2), covariance, np.zeros(2), covariance, eps=1e-3)
    assert details["offset_eps"] == 1e-3 and len(calls) == 2
    np.testing.assert_allclose(calls[1], (covariance + 1e-3 * np.eye(2)) @ (covariance + 1e-3 * np.eye(2)))
    assert distance == pytest.approx(0.0, abs=1e-2)


def test_a_large_imaginary_part_is_an_error_and_a_tiny_one_is_dropped(monkeypatch):
    covariance = np.eye(2)
    monkeypatch.setattr(scipy.linalg, "sqrtm", lambda matrix: np.eye(2) + 1e-9j)
    distance, details = frechet_distance(np.zeros(2), covariance, np.zeros(2), covariance)
    assert distance == pytest.approx(0.0, abs=1e-12) and 0 < details["imaginary_dropped"] < 1e-8
    monkeypatch.setattr(scipy.linalg, "sqrtm", lambda matrix: np.eye(2) + 0.5j)
    with pytest.raises(DataError, match="imaginary component"):
        frechet_distance(np.zeros(2), covariance, np.zeros(2), covariance)


def test_fid_needs_two_images_and_warns_below_2048(tiny_features):
    images = torch.zeros(1, 1, 28, 28)
    with pytest.raises(DataError, match="at least 2 images"):
        compute_fid(images, images, extractor=tiny_features(), progress=False)
    images = torch.rand(10, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with pytest.warns(UserWarning, match="biased"):
        result = compute_fid(images, images, extractor=tiny_features(), progress=False)
    assert result["metric"] == "fid" and abs(result["value"]) < 1e-6
    assert result["protocol"]["num_real"] == result["protocol"]["num_fake"] == 10


def test_statistics_with_mismatched_dimensions_or_nan_are_rejected():
    with pytest.raises(DataError, match="same feature dimension"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(DataError, match="NaN"):
        frechet_distance(np.zeros(2), np.eye(2) * np.nan, np.zeros(2), np.eye(2))
