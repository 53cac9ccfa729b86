"""Every registered GAN trains, resumes, samples and evaluates from the command line."""

import json

import pytest
from PIL import Image

import pixelforge
from pixelforge.cli import main

GANS = ["dcgan", "wgan_gp", "sngan", "conditional_dcgan", "conditional_sngan"]


@pytest.mark.parametrize("name", GANS)
def test_gan_trains_resumes_samples_and_evaluates(name, tmp_path, capsys):
    run = tmp_path / name
    common = ["--data", "embedded-mnist", "--out", str(run), "--batch-size", "16",
              "--set", "width=4", "latent_dim=8", "--train", "sample_every=0", "checkpoint_every=2", "ema_decay=0.9"]
    assert main(["train", name, "--steps", "2", *common]) == 0
    assert main(["train", name, "--steps", "4", "--resume", *common]) == 0
    assert (run / "checkpoints" / "latest").read_text().strip() == "step-00000004"
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4] and "gan/diversity" in records[-1]
    grid = tmp_path / "grid.png"
    assert main(["sample", str(run), "--num-samples", "10", "--nrow", "5", "--out", str(grid)]) == 0
    assert Image.open(grid).size[0] > 5 * 28
    assert main(["eval", str(run), "--metrics", "domain_fid", "--num-samples", "20", "--limit", "20"]) == 0
    output = capsys.readouterr().out
    assert "domain_fid:mnist" in output and "report:" in output


def test_a_gan_refuses_a_learning_rate_it_would_ignore(tmp_path, capsys):
    code = main(["train", "dcgan", "--out", str(tmp_path / "run"), "--steps", "1", "--lr", "0.01"])
    assert code == 2
    assert "lr_generator" in capsys.readouterr().err


def test_a_gan_has_no_likelihood(tmp_path):
    model = pixelforge.create_model("dcgan", width=4, latent_dim=8)
    with pytest.raises(NotImplementedError, match="no tractable log-likelihood"):
        model.log_prob(None)
