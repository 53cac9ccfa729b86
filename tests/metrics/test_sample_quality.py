"""`pixelforge eval --metrics fid,kid,pr`: samples a checkpoint in batches and compares it with the test split."""

import json

import pytest
import torch

import pixelforge
from pixelforge import TrainConfig
from pixelforge.cli import main
from pixelforge.errors import ConfigError
from pixelforge.evaluate import evaluate
from pixelforge.metrics import sample_quality
from pixelforge.metrics.sample_quality import evaluate_sample_quality, sample_batches


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample_quality") / "run"
    pixelforge.train("vae", "embedded-mnist", folder, TrainConfig(steps=4, batch_size=16, device="cpu"),
                     model_overrides={"architecture": "mlp", "width": 4, "latent_dim": 4})
    return folder


def test_samples_depend_only_on_the_seed_and_come_in_batches(run_dir):
    model = pixelforge.load(run_dir)
    batches = list(sample_batches(model, 10, batch_size=4, seed=3))
    assert [len(batch) for batch in batches] == [4, 4, 2]
    again = torch.cat(list(sample_batches(model, 10, batch_size=4, seed=3)))
    assert torch.equal(torch.cat(batches), again) and again.min() >= -1 and again.max() <= 1


def test_evaluate_writes_fid_kid_and_precision_recall_with_their_protocol(run_dir, tiny_features, recwarn):
    report = evaluate(run_dir, metrics=("fid", "kid", "pr"), limit=40, num_samples=30, batch_size=16,
                      extractor=tiny_features(), progress=False)
    fid, kid, precision_recall = report["results"]
    assert fid["metric"] == "fid" and fid["value"] > 0
    assert fid["protocol"]["num_real"] == 40 and fid["protocol"]["num_fake"] == 30
    assert fid["protocol"]["reference_set"] == "embedded-mnist" and fid["protocol"]["reference_split"] == "test"
    assert fid["protocol"]["sampling"] == {"num_samples": 30, "seed": 0, "batch_size": 16, "labels": None}
    assert kid["protocol"]["subset_size"] == 30 and kid["protocol"]["num_subsets"] == 100
    assert set(precision_recall["value"]) == {"precision", "recall"}
    checkpoint = pixelforge.load(run_dir).checkpoint_dir
    saved = json.loads((checkpoint / "evaluation.json").read_text())["results"]
    assert [result["metric"] for result in saved] == ["fid", "kid", "precision_recall"]
    config = json.loads((checkpoint / "config.json").read_text())
    assert config["evaluation"]["fid"]["value"] == pytest.approx(fid["value"])
    # The same seed and reference give the same number (the reference now comes from the cache).
    again = evaluate(run_dir, metrics=("fid",), limit=40, num_samples=30, batch_size=16,
                     extractor=tiny_features(), progress=False)
    assert again["results"][0]["value"] == fid["value"]


def test_the_eval_command_prints_each_metric(run_dir, tiny_features, monkeypatch, capsys, recwarn):
    monkeypatch.setattr(sample_quality, "InceptionFeatureExtractor", lambda **options: tiny_features())
    code = main(["eval", str(run_dir), "--metrics", "nll,fid,kid,pr", "--num-samples", "24", "--limit", "30",
                 "--importance-samples", "2", "--batch-size", "8"])
    output = capsys.readouterr().out
    assert code == 0
    for start in ("nll: ", "fid: ", "kid: ", "precision_recall: precision "):
        assert any(line.startswith(start) for line in output.splitlines()), (start, output)


def test_eval_compile_reaches_the_feature_network(run_dir, tiny_features, monkeypatch, capsys, recwarn):
    options_seen = []

    def extractor(**options):
        options_seen.append(options)
        return tiny_features()

    monkeypatch.setattr(sample_quality, "InceptionFeatureExtractor", extractor)
    assert main(["eval", str(run_dir), "--metrics", "fid", "--num-samples", "8", "--limit", "8", "--compile"]) == 0
    assert options_seen and options_seen[0]["compile"] is True


def test_inception_score_with_the_default_weights_fails_before_any_work(run_dir, inception, capsys):
    assert main(["eval", str(run_dir), "--metrics", "is", "--limit", "30"]) == 2
    assert "needs class logits" in capsys.readouterr().err


def test_a_model_that_cannot_sample_is_refused(tiny_features):
    classifier = pixelforge.create_model("small_resnet")
    dataset = pixelforge.load_dataset("embedded-mnist", split="test")
    with pytest.raises(ConfigError, match="cannot sample"):
        evaluate_sample_quality(classifier, dataset, ("fid",), extractor=tiny_features())
