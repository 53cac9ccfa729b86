"""Killing a run and resuming it gives bitwise the weights of a run that was never interrupted."""

import json

import pytest
import torch
from safetensors.torch import load_file

import pixelforge
from pixelforge import TrainConfig

MODEL = {"architecture": "mlp", "width": 4, "latent_dim": 4}


class Interrupt(Exception):
    pass


def _config(**overrides):
    settings = dict(steps=14, batch_size=16, log_every=2, sample_every=0, checkpoint_every=4, ema_decay=0.9,
                    lr_schedule="cosine", warmup_steps=2, grad_clip=1.0, seed=3, keep_checkpoints=5)
    return TrainConfig(**{**settings, **overrides})


@pytest.fixture(scope="module")
def small_mnist():
    # 100 real images: 6 batches of 16 per epoch, so 14 steps cross two epoch boundaries.
    return pixelforge.load_dataset("embedded-mnist").subset(torch.arange(100))


def _train(run_dir, dataset, resume=False, callbacks=None):
    return pixelforge.train("vae", "embedded-mnist", run_dir, _config(), MODEL, resume=resume,
                            callbacks=callbacks, dataset=dataset)


def _stop_at(step):
    def callback(trainer, current):
        if current == step:
            raise Interrupt
    return callback


def _losses(run_dir):
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [(r["step"], r["loss/loss"]) for r in map(json.loads, lines)]


def test_resume_after_interruption_is_bitwise_identical(tmp_path, small_mnist):
    straight = _train(tmp_path / "straight", small_mnist)
    with pytest.raises(Interrupt):
        _train(tmp_path / "interrupted", small_mnist, callbacks=[_stop_at(10)])
    latest = (tmp_path / "interrupted" / "checkpoints" / "latest").read_text().strip()
    assert latest == "step-00000008"
    resumed = _train(tmp_path / "interrupted", small_mnist, resume=True)
    assert resumed.steps == straight.steps == 14
    for file in ("model.safetensors", "ema.safetensors"):
        a = load_file(straight.checkpoint / file)
        b = load_file(resumed.checkpoint / file)
        assert a.keys() == b.keys()
        for key in a:
            assert torch.equal(a[key], b[key]), f"{file}:{key} differs after resume"
    assert _losses(tmp_path / "straight") == _losses(tmp_path / "interrupted")


def test_resume_can_extend_a_finished_run(tmp_path, small_mnist):
    _train(tmp_path / "run", small_mnist)
    longer = pixelforge.train("vae", "embedded-mnist", tmp_path / "run", _config(steps=18), resume=True,
                              dataset=small_mnist)
    assert longer.steps == 18
    assert (tmp_path / "run" / "checkpoints" / "step-00000018" / "model.safetensors").is_file()


def test_resume_refuses_a_different_model(tmp_path, small_mnist):
    _train(tmp_path / "run", small_mnist)
    with pytest.raises(pixelforge.ConfigError, match="holds a 'vae' run"):
        pixelforge.train("beta_vae", "embedded-mnist", tmp_path / "run", _config(), resume=True,
                         dataset=small_mnist)


def test_resuming_with_another_data_source_is_refused(tmp_path, small_mnist):
    run = tmp_path / "run"
    pixelforge.train("vae", "embedded-mnist", run, _config(steps=4), MODEL, dataset=small_mnist)
    with pytest.raises(pixelforge.ConfigError, match="trained on 'embedded-mnist', not 'fashion-mnist'"):
        pixelforge.train("vae", "fashion-mnist", run, _config(steps=8), MODEL, resume=True, dataset=small_mnist)
    resumed = pixelforge.train("vae", None, run, _config(steps=8), MODEL, resume=True, dataset=small_mnist)
    assert resumed.steps == 8
