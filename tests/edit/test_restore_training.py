"""Patch training of the restoration networks: settings are checked, a non-finite loss stops the
run with a clear error and leaves the last good checkpoint to resume from."""

import dataclasses

import pytest
import torch

from pixelforge.edit.restore.training import PatchTraining, denoise_batch, read_luma_folder, train_patches
from pixelforge.errors import ConfigError, TrainingError
from pixelforge.models.restoration import FFDNet
from pixelforge.train.checkpoint import resolve_checkpoint


def test_unknown_precision_and_empty_sizes_are_refused():
    with pytest.raises(ConfigError, match="precision='fp16'"):
        PatchTraining(precision="fp16")
    with pytest.raises(ConfigError, match="patch_size=0"):
        PatchTraining(patch_size=0)
    with pytest.raises(ConfigError, match=r"sigma range \[30, 20\]"):
        PatchTraining(sigma_min=30, sigma_max=20)


def test_a_fixed_noise_level_trains_a_per_sigma_model_and_a_range_draws_within_it(shared_datasets):
    images = read_luma_folder(shared_datasets / "restoration" / "Set12", 40)
    fixed = PatchTraining(batch_size=64, patch_size=40, sigma_min=25, sigma_max=25)
    (noisy, sigma), clean = denoise_batch(images, fixed, torch.Generator().manual_seed(0), with_sigma=True)
    assert torch.equal(sigma, torch.full((64,), 25 / 255))
    assert abs(float((noisy - clean).std()) * 255 - 25) < 0.5                   # 102,400 noise values
    ranged = PatchTraining(batch_size=64, patch_size=40, sigma_min=10, sigma_max=20)
    (_, sigma), _ = denoise_batch(images, ranged, torch.Generator().manual_seed(0), with_sigma=True)
    assert 10 / 255 <= float(sigma.min()) and float(sigma.max()) <= 20 / 255 and float(sigma.std()) > 1 / 255


def test_a_nan_loss_stops_training_and_the_last_good_checkpoint_resumes(shared_datasets, tmp_path):
    images = read_luma_folder(shared_datasets / "restoration" / "Set12", 24)
    settings = PatchTraining(steps=4, batch_size=2, patch_size=24, checkpoint_every=1, precision="bf16")
    calls = []

    def batches(generator):
        calls.append(1)
        inputs, clean = denoise_batch(images, settings, generator, with_sigma=True)
        return inputs, clean * float("nan") if len(calls) == 3 else clean

    model = FFDNet(depth=3, width=4)
    with pytest.raises(TrainingError, match="step 3: the loss is nan"):
        train_patches(model, batches, settings, tmp_path, log_every=1)
    assert resolve_checkpoint(tmp_path).name.endswith("2")
    resumed = train_patches(FFDNet(depth=3, width=4), lambda g: denoise_batch(images, settings, g, with_sigma=True),
                            dataclasses.replace(settings, steps=3), tmp_path, resume=True, log_every=1)
    assert resumed["steps_done"] == 3
