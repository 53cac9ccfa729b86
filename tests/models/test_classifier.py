"""The classifier family trains through the shared trainer and recognises real MNIST digits."""

import pytest
import torch

import pixelforge
from pixelforge import ConfigError, TrainConfig
from pixelforge.metrics.classification import evaluate_accuracy


@pytest.mark.slow
def test_small_resnet_exceeds_97_percent_on_real_mnist_within_a_test_budget(tmp_path):
    config = TrainConfig(steps=500, batch_size=64, learning_rate=5e-3, lr_schedule="cosine", warmup_steps=30,
                         sample_every=0, checkpoint_every=0, channels_last=True)
    pixelforge.train("small_resnet", "embedded-mnist", tmp_path, config, {"width": 8, "blocks_per_stage": 1})
    model = pixelforge.load(tmp_path)
    result = evaluate_accuracy(model, pixelforge.load_dataset("embedded-mnist", split="test"))
    assert result["value"] > 97.0, result
    assert result["protocol"]["num_images"] == 1000 and len(result["per_class"]) == 10


def test_accuracy_refuses_a_generative_model():
    with pytest.raises(ConfigError, match="not a classifier"):
        evaluate_accuracy(pixelforge.create_model("vae"), pixelforge.load_dataset("embedded-mnist", split="test"))


def test_training_a_classifier_on_unlabelled_images_is_a_clear_error(tmp_path, shared_datasets):
    folder = tmp_path / "flat"
    folder.mkdir()
    for path in sorted((shared_datasets / "restoration" / "Set5").iterdir())[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    with pytest.raises(ConfigError, match="needs class labels"):
        pixelforge.train("small_resnet", pixelforge.DataConfig(source=str(folder), image_size=32), tmp_path / "run",
                         TrainConfig(steps=1, batch_size=1), {"width": 4})


def test_sgd_and_flip_crop_augmentation_train(tmp_path):
    data = pixelforge.DataConfig(source="embedded-mnist", augment="crop")
    config = TrainConfig(steps=5, batch_size=16, optimizer="sgd", learning_rate=0.05, sample_every=0)
    result = pixelforge.train("small_resnet", data, tmp_path, config, {"width": 4, "blocks_per_stage": 1})
    assert result.steps == 5 and torch.isfinite(torch.tensor(result.final_losses["loss"]))


def test_cli_eval_reports_accuracy(tmp_path, capsys):
    from pixelforge.cli import main

    run_dir = tmp_path / "clf"
    assert main(["train", "small_resnet", "--out", str(run_dir), "--steps", "3", "--batch-size", "8",
                 "--set", "width=4", "blocks_per_stage=1"]) == 0
    assert main(["eval", str(run_dir), "--metrics", "accuracy", "--limit", "50"]) == 0
    out = capsys.readouterr().out
    assert "accuracy:" in out and "embedded-mnist:test" in out
