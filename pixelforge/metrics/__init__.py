"""Evaluation metrics, each reported with the protocol needed to reproduce it.

    from pixelforge.metrics import compute_fid, reference_features, psnr
    real = reference_features("embedded-mnist", split="test")    # FID Inception features, cached on disk
    compute_fid(real, samples)          # {"metric": "fid", "value": ..., "unit": "", "protocol": {...}}
    psnr(restored, clean, channel="y", border=4)                 # {"metric": "psnr", "value": ..., "unit": "dB", ...}

Sample quality (FID, KID, Inception Score, precision/recall) uses the FID Inception-v3
features (`features.py`); restoration quality (PSNR, SSIM) compares pixels (`restoration.py`);
`evaluate_nll` gives test likelihoods. Bad input raises pixelforge.errors.DataError/ConfigError.
"""

from .feature_sets import FeatureSet, compute_features
from .features import RESIZE_PROTOCOLS, InceptionFeatureExtractor, default_extractor
from .fid import feature_statistics, frechet_distance
from .generative import (compute_fid, compute_inception_score, compute_kid, compute_precision_recall,
                         feature_pair)
from .classification import evaluate_accuracy
from .domain import compute_domain_fid, conditional_sample_accuracy
from .likelihood import evaluate_nll
from .reference import reference_features
from .restoration import psnr, ssim

__all__ = [
    "evaluate_nll",
    "evaluate_accuracy",
    "compute_domain_fid",
    "conditional_sample_accuracy",
    "compute_features",
    "FeatureSet",
    "InceptionFeatureExtractor",
    "default_extractor",
    "RESIZE_PROTOCOLS",
    "reference_features",
    "compute_fid",
    "compute_kid",
    "compute_inception_score",
    "compute_precision_recall",
    "feature_pair",
    "feature_statistics",
    "frechet_distance",
    "psnr",
    "ssim",
]
