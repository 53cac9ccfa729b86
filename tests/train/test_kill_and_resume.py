"""SIGKILL a real `pixelforge train` process mid-run, resume it, and get the uninterrupted weights bitwise."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file

STEPS = 600
ARGS = ["train", "vae", "--data", "embedded-mnist", "--steps", str(STEPS), "--batch-size", "16",
        "--set", "architecture=mlp", "width=4", "latent_dim=4",
        "--train", "checkpoint_every=100", "sample_every=0", "log_every=50", "keep_checkpoints=10"]


def _command(run_dir, *extra):
    return [sys.executable, "-m", "pixelforge", *ARGS, "--out", str(run_dir), *extra]


def _env():
    return {**os.environ, "OMP_NUM_THREADS": "1", "PIXELFORGE_THREADS": "1"}


@pytest.mark.slow
def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path):
    straight = subprocess.run(_command(tmp_path / "straight"), capture_output=True, text=True, env=_env(),
                              timeout=300)
    assert straight.returncode == 0, straight.stderr[-2000:]

    victim = subprocess.Popen(_command(tmp_path / "killed"), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=_env())
    latest = tmp_path / "killed" / "checkpoints" / "latest"
    deadline = time.monotonic() + 240
    while not (latest.is_file() and latest.read_text().strip() >= "step-00000200"):
        assert victim.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    assert victim.wait(timeout=60) == -signal.SIGKILL
    assert latest.read_text().strip() < f"step-{STEPS:08d}"

    resumed = subprocess.run(_command(tmp_path / "killed", "--resume"), capture_output=True, text=True,
                             env=_env(), timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    final = f"checkpoints/step-{STEPS:08d}/model.safetensors"
    a, b = load_file(tmp_path / "straight" / final), load_file(tmp_path / "killed" / final)
    assert all(torch.equal(a[key], b[key]) for key in a)
