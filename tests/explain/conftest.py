"""Models shared by the explanation tests: a tiny classifier trained on real MNIST, a tiny VAE checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import pixelforge
from pixelforge import TrainConfig


@pytest.fixture(scope="session")
def classifier_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small_resnet (width 4, one block per stage) trained 150 steps on embedded MNIST (~85 % test accuracy)."""
    run_dir = tmp_path_factory.mktemp("explain") / "classifier"
    config = TrainConfig(steps=150, batch_size=64, learning_rate=5e-3, sample_every=0, checkpoint_every=0)
    pixelforge.train("small_resnet", "embedded-mnist", run_dir, config, {"width": 4, "blocks_per_stage": 1})
    return run_dir


@pytest.fixture()
def classifier(classifier_run: Path):
    return pixelforge.load(classifier_run)


@pytest.fixture(scope="session")
def test_images() -> tuple[torch.Tensor, torch.Tensor]:
    """The first 32 images of the embedded MNIST test split (never trained on), in [-1, 1], and labels."""
    test = pixelforge.load_dataset("embedded-mnist", split="test")
    return test.batch(torch.arange(32))


@pytest.fixture(scope="session")
def vae_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained tiny Bernoulli VAE exported as a checkpoint folder."""
    torch.manual_seed(0)
    model = pixelforge.create_model("vae", architecture="mlp", width=4, latent_dim=4)
    return pixelforge.save_model(model, tmp_path_factory.mktemp("explain") / "vae")
