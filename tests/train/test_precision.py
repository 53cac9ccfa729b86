"""Mixed precision: bf16 autocast trains on CPU; fp16 on CPU is refused with a clear message."""

import pytest
import torch

import pixelforge
from pixelforge import ConfigError, TrainConfig


@pytest.fixture(scope="module")
def small_mnist():
    return pixelforge.load_dataset("embedded-mnist").subset(torch.arange(64))


def test_bf16_autocast_trains_with_finite_losses(tmp_path, small_mnist):
    config = TrainConfig(steps=8, batch_size=16, precision="bf16", device="cpu", sample_every=0, log_every=1)
    result = pixelforge.train("vae", "embedded-mnist", tmp_path, config, {"width": 8}, dataset=small_mnist)
    assert result.steps == 8 and all(torch.isfinite(torch.tensor(v)) for v in result.final_losses.values())


def test_fp16_on_cpu_is_refused(tmp_path, small_mnist):
    config = TrainConfig(steps=2, batch_size=16, precision="fp16", device="cpu")
    with pytest.raises(ConfigError, match="fp16.*CUDA"):
        pixelforge.train("vae", "embedded-mnist", tmp_path, config, dataset=small_mnist)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_fp16_with_grad_scaler_on_cuda(tmp_path, small_mnist):
    config = TrainConfig(steps=8, batch_size=16, precision="fp16", device="cuda", sample_every=0)
    result = pixelforge.train("vae", "embedded-mnist", tmp_path, config, dataset=small_mnist)
    assert result.steps == 8
