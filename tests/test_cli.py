"""The `pixelforge` command end to end: train, sample, eval, info; errors exit non-zero without a traceback."""

import json
import shutil
import subprocess
import sys

import pytest
from PIL import Image

from pixelforge.cli import main

TINY = ["--set", "architecture=mlp", "width=4", "latent_dim=4"]


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("cli") / "run"
    code = main(["train", "vae", "--data", "embedded-mnist", "--out", str(run_dir), "--steps", "30",
                 "--batch-size", "32", *TINY, "--train", "sample_every=10", "checkpoint_every=15", "ema_decay=0.9"])
    assert code == 0
    return run_dir


def test_train_writes_checkpoints_samples_and_a_metrics_log(trained_run):
    assert (trained_run / "checkpoints" / "latest").read_text().strip() == "step-00000030"
    assert sorted(p.name for p in (trained_run / "samples").iterdir()) == [
        "step-00000010.png", "step-00000020.png", "step-00000030.png"]
    records = [json.loads(line) for line in (trained_run / "metrics.jsonl").read_text().splitlines()]
    assert records[-1]["step"] == 30 and "loss/loss" in records[-1] and records[-1]["images_per_second"] > 0


def test_sample_writes_a_grid_of_the_requested_size(trained_run, tmp_path):
    out = tmp_path / "grid.png"
    assert main(["sample", str(trained_run), "--num-samples", "6", "--nrow", "3", "--out", str(out)]) == 0
    width, height = Image.open(out).size
    assert width > height > 28 * 2  # 3 columns, 2 rows of 28-pixel images with padding


def test_eval_reports_nll_with_protocol_and_records_it_in_the_checkpoint(trained_run, capsys):
    assert main(["eval", str(trained_run), "--importance-samples", "8", "--limit", "40"]) == 0
    assert "nll:" in capsys.readouterr().out
    checkpoint = trained_run / "checkpoints" / "step-00000030"
    result = json.loads((checkpoint / "evaluation.json").read_text())["results"][0]
    assert result["unit"] == "nats/image" and 50 < result["value"] < 800
    assert result["protocol"]["num_images"] == 40
    assert "k=8" in result["protocol"]["estimator"]
    config = json.loads((checkpoint / "config.json").read_text())
    assert config["evaluation"]["nll"]["protocol"]["split"] == "test"


def test_info_prints_the_config(trained_run, capsys):
    assert main(["info", str(trained_run)]) == 0
    assert '"name": "vae"' in capsys.readouterr().out


def test_train_on_a_folder_of_the_users_own_images(tmp_path, shared_datasets):
    folder = tmp_path / "faces"
    for person in ("s1", "s2"):
        shutil.copytree(shared_datasets / "faces" / "ORL" / person, folder / person)
    run_dir = tmp_path / "run"
    assert main(["train", "conditional_vae", "--data", str(folder), "--image-size", "32", "--out", str(run_dir),
                 "--steps", "6", "--batch-size", "8", "--set", "likelihood=logistic", "width=8"]) == 0
    config = json.loads((run_dir / "checkpoints" / "step-00000006" / "config.json").read_text())
    assert config["model"]["config"]["num_classes"] == 2 and config["model"]["config"]["image_size"] == 32
    assert main(["sample", str(run_dir), "--num-samples", "4", "--label", "1", "--out", str(tmp_path / "s.png")]) == 0


@pytest.mark.parametrize("argv,message", [
    (["train", "vea", "--out", "x"], "unknown model 'vea'"),
    (["train", "vae", "--out", "x", "--data", "/no/such/folder"], "/no/such/folder"),
    (["train", "vae", "--out", "x", "--set", "latent_dim=many"], "latent_dim='many': expected a value of type int"),
    (["train", "vae", "--out", "x", "--train", "colour=red"], "unknown option 'colour'"),
    (["train", "vae", "--out", "x", "--steps", "0"], "steps=0: expected a positive integer"),
    (["train", "vae", "--out", "x", "--max-minutes", "-1"], "max_minutes=-1.0: expected a number >= 0"),
    (["sample", "/no/such/run", "--out", "x.png"], "no such file"),
    (["eval", "/no/such/run"], "no such file"),
])
def test_user_errors_print_one_message_and_exit_non_zero(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_the_installed_command_exits_non_zero_without_a_traceback():
    result = subprocess.run([sys.executable, "-m", "pixelforge", "sample", "/no/such/run", "--out", "x.png"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "checkpoint /no/such/run: no such file or directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_models_lists_the_vae_family(capsys):
    assert main(["models"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert {"vae", "beta_vae", "conditional_vae"} <= set(names)


def test_data_inspect_prints_counts_and_saves_a_grid(shared_datasets, tmp_path, capsys):
    grid = tmp_path / "grid.png"
    assert main(["data", "inspect", "fashion-mnist", "--split", "test", "--data-root", str(shared_datasets),
                 "--grid", str(grid)]) == 0
    summary = json.loads(capsys.readouterr().out.split("\ngrid:")[0])
    assert summary["num_images"] == 10000 and set(summary["class_counts"].values()) == {1000}
    assert Image.open(grid).size[0] > 8 * 28


def test_sampling_from_a_classifier_is_a_clear_error(tmp_path, capsys):
    run_dir = tmp_path / "clf"
    assert main(["train", "small_resnet", "--out", str(run_dir), "--steps", "2", "--batch-size", "8",
                 "--set", "width=4", "blocks_per_stage=1"]) == 0
    assert main(["sample", str(run_dir), "--out", str(tmp_path / "x.png")]) == 2
    assert "classifier, which cannot sample" in capsys.readouterr().err
