"""A non-finite loss stops training with a message naming the step, and keeps the last good checkpoint."""

import pytest
import torch

import pixelforge
from pixelforge import TrainConfig, TrainingError
from pixelforge.train import Trainer


def _poison_at(step):
    def callback(trainer, current):
        if current == step:
            with torch.no_grad():
                next(trainer.model.parameters()).fill_(float("nan"))
    return callback


@pytest.fixture(scope="module")
def small_mnist():
    return pixelforge.load_dataset("embedded-mnist").subset(torch.arange(64))


def _trainer(run_dir, dataset, callbacks, **overrides):
    model = pixelforge.create_model("vae", architecture="mlp", width=4, latent_dim=4)
    config = TrainConfig(**{"steps": 10, "batch_size": 16, "checkpoint_every": 4, "sample_every": 0,
                            "log_every": 1, **overrides})
    return Trainer(model, dataset, run_dir, config, callbacks=callbacks)


def test_nan_stops_training_naming_the_step_and_keeps_the_checkpoint(tmp_path, small_mnist):
    trainer = _trainer(tmp_path, small_mnist, [_poison_at(5)])
    with pytest.raises(TrainingError, match=r"step 6: the 'loss' loss is nan.*step-00000004"):
        trainer.fit()
    assert (tmp_path / "checkpoints" / "latest").read_text().strip() == "step-00000004"
    model = pixelforge.load(tmp_path)
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_skip_policy_counts_skipped_steps_then_gives_up(tmp_path, small_mnist):
    trainer = _trainer(tmp_path, small_mnist, [_poison_at(5)], on_nonfinite="skip", max_skipped_steps=3,
                       checkpoint_every=0)
    with pytest.raises(TrainingError, match=r"step 9:.*3 steps skipped"):
        trainer.fit()
    assert trainer.skipped_steps == 3
