"""train(init_from=...): a new run starts from saved weights (fine-tuning, more training of shipped
weights) and its checkpoints and exports record where those weights came from."""

import pytest
import torch

import pixelforge
from pixelforge import TrainConfig
from pixelforge.cli import main
from pixelforge.errors import ConfigError
from pixelforge.train import initialize_from
from pixelforge.train.export import export_model

MODEL = {"architecture": "mlp", "width": 4, "latent_dim": 4}


@pytest.fixture(scope="module")
def small_mnist():
    return pixelforge.load_dataset("embedded-mnist").subset(torch.arange(64))


def _train(run_dir, dataset, steps=3, learning_rate=1e-3, init_from=None, model=MODEL):
    config = TrainConfig(steps=steps, batch_size=16, log_every=1, sample_every=0, checkpoint_every=steps,
                         ema_decay=0.9, learning_rate=learning_rate, seed=1)
    return pixelforge.train("vae", "embedded-mnist", run_dir, config, model, dataset=dataset, init_from=init_from)


@pytest.fixture(scope="module")
def source_run(tmp_path_factory, small_mnist):
    run_dir = tmp_path_factory.mktemp("source")
    _train(run_dir, small_mnist)
    return run_dir


def _same_weights(a, b, atol=0.0):
    state_a, state_b = a.state_dict(), b.state_dict()
    assert state_a.keys() == state_b.keys()
    return all(torch.allclose(state_a[key].float(), state_b[key].float(), atol=atol, rtol=0) for key in state_a)


def test_initialize_from_copies_the_saved_ema_weights(source_run):
    saved = pixelforge.load(source_run)
    fresh = pixelforge.create_model("vae", image_size=28, channels=1, **MODEL)
    assert not _same_weights(fresh, saved)
    record = initialize_from(fresh, source_run)
    assert _same_weights(fresh, saved)
    assert record["path"] == str(source_run) and record["step"] == 3
    assert record["model_config"]["width"] == 4


def test_a_run_starts_from_the_weights_and_records_them(tmp_path, source_run, small_mnist):
    # A learning rate of 1e-12 leaves the weights where they started: they must be the source's.
    result = _train(tmp_path / "continued", small_mnist, learning_rate=1e-12, init_from=source_run)
    continued = pixelforge.load(result.checkpoint, weights="raw")
    assert _same_weights(continued, pixelforge.load(source_run), atol=1e-8)
    assert continued.checkpoint_config["initialized_from"]["path"] == str(source_run)
    # a fresh run from the same seed ends elsewhere
    fresh = pixelforge.load(_train(tmp_path / "fresh", small_mnist, learning_rate=1e-12).checkpoint, weights="raw")
    assert not _same_weights(fresh, continued, atol=1e-3)


def test_the_record_survives_export_and_nests(tmp_path, source_run, small_mnist):
    first = _train(tmp_path / "first", small_mnist, init_from=source_run)
    shipped = export_model(first.checkpoint, tmp_path / "shipped", fp16=True)
    second = _train(tmp_path / "second", small_mnist, init_from=shipped)
    record = pixelforge.load(second.checkpoint).checkpoint_config["initialized_from"]
    assert record["path"] == str(shipped)
    assert record["initialized_from"]["path"] == str(source_run)


def test_weights_of_another_shape_or_model_are_refused(tmp_path, source_run, small_mnist):
    with pytest.raises(ConfigError, match="init_from=.*do not fit the vae"):
        _train(tmp_path / "wider", small_mnist, init_from=source_run, model={**MODEL, "width": 8})
    other = pixelforge.create_model("dcgan", image_size=28, channels=1)
    with pytest.raises(ConfigError, match="holds a 'vae' model, not 'dcgan'"):
        initialize_from(other, source_run)


def test_cli_init_from(tmp_path, source_run, capsys):
    run_dir = tmp_path / "cli"
    # the model's options come from the saved weights
    assert main(["train", "vae", "--out", str(run_dir), "--steps", "2", "--batch-size", "16",
                 "--init-from", str(source_run)]) == 0
    assert pixelforge.load(run_dir).checkpoint_config["initialized_from"]["path"] == str(source_run)
    assert main(["train", "vae", "--out", str(tmp_path / "bad"), "--steps", "2",
                 "--init-from", str(tmp_path / "missing")]) != 0
    assert "missing" in capsys.readouterr().err
