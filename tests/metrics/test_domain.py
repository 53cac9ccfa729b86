"""The domain FID with the shipped MNIST classifier, and the class accuracy of conditional samples."""

import pytest
import torch

import pixelforge
from pixelforge import ConfigError
from pixelforge.metrics.classification import evaluate_accuracy
from pixelforge.metrics.domain import compute_domain_fid, conditional_sample_accuracy, shipped_classifier


@pytest.fixture(scope="module")
def mnist_test():
    return pixelforge.load_dataset("embedded-mnist", split="test")


def test_the_shipped_classifier_recognises_real_digits(mnist_test):
    result = evaluate_accuracy(shipped_classifier("mnist"), mnist_test)
    assert result["value"] > 99.0  # 99.67 % on the full MNIST test set when it was trained


def test_domain_fid_is_small_between_halves_and_grows_with_noise(mnist_test):
    x, _ = mnist_test.batch(torch.arange(1000))
    first, second = x[:500], x[500:]
    noise = torch.randn(second.shape, generator=torch.Generator().manual_seed(0))
    distances = [compute_domain_fid(first, (second + level * noise).clamp(-1, 1), progress=False)["value"]
                 for level in (0.0, 0.2, 0.5)]
    assert distances[0] < distances[1] < distances[2]
    result = compute_domain_fid(first, second, progress=False)
    assert result["metric"] == "domain_fid:mnist" and "mnist classifier" in result["protocol"]["feature_network"]["name"]


def test_conditional_accuracy_checks_the_requested_class():
    untrained = pixelforge.create_model("conditional_vae").eval()
    result = conditional_sample_accuracy(untrained, shipped_classifier("mnist"), samples_per_class=5)
    assert 0 <= result["value"] <= 100 and len(result["per_class"]) == 10
    with pytest.raises(ConfigError, match="unconditional"):
        conditional_sample_accuracy(pixelforge.create_model("vae"), shipped_classifier("mnist"))


def test_eval_cli_reports_the_domain_fid_of_a_trained_vae(tmp_path, capsys):
    from pixelforge.cli import main

    run_dir = tmp_path / "vae"
    assert main(["train", "vae", "--out", str(run_dir), "--steps", "20", "--batch-size", "32",
                 "--set", "architecture=mlp", "width=4", "latent_dim=4"]) == 0
    assert main(["eval", str(run_dir), "--metrics", "domain_fid", "--limit", "200", "--num-samples", "200"]) == 0
    out = capsys.readouterr().out
    assert "domain_fid:mnist:" in out and '"num_real": 200' in out


def test_the_shipped_fashion_classifier_recognises_real_clothes(shared_datasets):
    test = pixelforge.load_dataset("fashion-mnist", split="test", data_root=shared_datasets)
    result = evaluate_accuracy(shipped_classifier("fashion-mnist"), test, limit=2000)
    assert result["value"] > 91.0  # 93.55 % on the full test set when it was trained
