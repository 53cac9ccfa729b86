"""max_minutes: a run stops at the first step past its wall-clock budget and checkpoints there."""

import types

import pytest
import torch

import pixelforge
from pixelforge import ConfigError, TrainConfig
from pixelforge.train import trainer as trainer_module

MODEL = {"architecture": "mlp", "width": 4, "latent_dim": 4}


@pytest.fixture(scope="module")
def tiny_mnist():
    return pixelforge.load_dataset("embedded-mnist").subset(torch.arange(64))


def _train(run_dir, dataset, max_minutes, callbacks=()):
    config = TrainConfig(steps=10, batch_size=16, log_every=2, sample_every=0, checkpoint_every=0,
                         max_minutes=max_minutes)
    return pixelforge.train("vae", "embedded-mnist", run_dir, config, MODEL, dataset=dataset,
                            callbacks=list(callbacks))


def test_the_run_stops_and_checkpoints_once_the_budget_is_spent(tmp_path, tiny_mnist, monkeypatch):
    # A fake clock: two minutes pass during step 4, so a one-minute budget ends the run there.
    clock = {"now": 0.0}
    monkeypatch.setattr(trainer_module, "time", types.SimpleNamespace(perf_counter=lambda: clock["now"]))

    def two_minutes_pass_at_step_4(trainer, step):
        if step == 4:
            clock["now"] += 120.0

    result = _train(tmp_path / "run", tiny_mnist, max_minutes=1.0, callbacks=[two_minutes_pass_at_step_4])
    assert result.steps == 4
    assert (tmp_path / "run" / "checkpoints" / "latest").read_text().strip() == "step-00000004"


def test_without_a_budget_the_same_clock_does_not_stop_the_run(tmp_path, tiny_mnist, monkeypatch):
    clock = {"now": 0.0}
    monkeypatch.setattr(trainer_module, "time", types.SimpleNamespace(perf_counter=lambda: clock["now"]))

    def time_flies(trainer, step):
        clock["now"] += 120.0

    assert _train(tmp_path / "run", tiny_mnist, max_minutes=0.0, callbacks=[time_flies]).steps == 10


def test_a_negative_budget_is_a_clear_error():
    with pytest.raises(ConfigError, match="max_minutes=-0.5: expected a number >= 0"):
        TrainConfig(max_minutes=-0.5)
