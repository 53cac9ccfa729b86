"""The same training command under torchrun with 2 CPU processes (gloo) matches a 1-process run."""

import json
import os
import subprocess
import sys

import pytest

STEPS = 30
COMMON = ["train", "vae", "--data", "embedded-mnist", "--steps", str(STEPS), "--batch-size", "64",
          "--set", "architecture=mlp", "width=8", "latent_dim=8", "likelihood=logistic",
          "--train", "log_every=1", "sample_every=0", "checkpoint_every=0"]


def _run(command, run_dir):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PIXELFORGE_THREADS": "1"}
    result = subprocess.run(command + COMMON + ["--out", str(run_dir)], capture_output=True, text=True,
                            env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_two_process_ddp_matches_one_process_with_the_same_global_batch(tmp_path):
    single = _run([sys.executable, "-m", "pixelforge"], tmp_path / "single")
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                "-m", "pixelforge"]
    double = _run(torchrun, tmp_path / "ddp")
    assert [r["step"] for r in single] == [r["step"] for r in double] == list(range(1, STEPS + 1))
    # Same initial weights and the same global batches: the first loss differs only by the
    # reparameterization noise, and training follows the same path afterwards.
    for a, b in zip(single, double):
        assert abs(a["loss/loss"] - b["loss/loss"]) / abs(a["loss/loss"]) < 0.015, (a, b)
    assert double[-1]["loss/loss"] < 0.9 * double[0]["loss/loss"]
    assert (tmp_path / "ddp" / "checkpoints" / "latest").is_file()
    config = json.loads((tmp_path / "ddp" / "checkpoints" / "step-00000030" / "config.json").read_text())
    assert config["world_size"] == 2


@pytest.mark.slow
@pytest.mark.parametrize("name,critic_steps", [("dcgan", "n_critic=1"), ("wgan_gp", "n_critic=2")])
def test_gans_train_under_torchrun(name, critic_steps, tmp_path):
    # Two objectives, fakes reused from the discriminator step (dcgan), a gradient penalty
    # through autograd.grad (wgan_gp): all under DDP with 2 processes.
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", "-m",
               "pixelforge", "train", name, "--data", "embedded-mnist", "--steps", "6", "--batch-size", "16",
               "--set", "width=4", "latent_dim=8", critic_steps, "--train", "log_every=1", "sample_every=0",
               "checkpoint_every=0", "--out", str(tmp_path / "run")]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PIXELFORGE_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == list(range(1, 7))
    assert all("loss/generator" in r and "loss/discriminator" in r for r in records)
