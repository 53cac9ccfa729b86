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


def test_warmup_scales_the_first_steps_so_a_fine_tune_starts_gently(shared_datasets, tmp_path):
    images = read_luma_folder(shared_datasets / "restoration" / "Set12", 24)
    moves = {}
    for warmup in (0, 10):
        torch.manual_seed(0)
        model = FFDNet(depth=3, width=4)
        before = [p.detach().clone() for p in model.parameters()]
        settings = PatchTraining(steps=1, batch_size=2, patch_size=24, learning_rate=1e-3, warmup_steps=warmup)
        train_patches(model, lambda g: denoise_batch(images, settings, g, with_sigma=True), settings,
                      tmp_path / str(warmup), log_every=1)
        moves[warmup] = max(float((p.detach() - b).abs().max()) for p, b in zip(model.parameters(), before))
    # Adam's first step moves a parameter by about the learning rate: 1e-3 alone, 1e-4 at 1/10 of the warmup
    assert moves[0] == pytest.approx(1e-3, rel=0.05) and moves[10] == pytest.approx(1e-4, rel=0.05)
    with pytest.raises(ConfigError, match="warmup_steps=-1"):
        PatchTraining(warmup_steps=-1)


def test_frozen_batch_norm_keeps_the_running_statistics_of_the_model_being_fine_tuned(shared_datasets, tmp_path):
    images = read_luma_folder(shared_datasets / "restoration" / "Set12", 24)
    for freeze in (False, True):
        torch.manual_seed(0)
        model = FFDNet(depth=3, width=4)
        norm = next(m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
        before = norm.running_mean.clone()
        settings = PatchTraining(steps=2, batch_size=2, patch_size=24, freeze_batch_norm=freeze)
        train_patches(model, lambda g: denoise_batch(images, settings, g, with_sigma=True), settings,
                      tmp_path / str(freeze), log_every=1)
        assert torch.equal(norm.running_mean, before) == freeze
        assert not any(p.grad is None for p in model.parameters())      # the affine parameters still train
