"""Diffusion from the command line: train, resume, sample (DDPM, DDIM, guided), inpaint, img2img,
interpolate and evaluate on the embedded MNIST; clear errors for bad inputs."""

import json

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

import pixelforge
from pixelforge.cli import main

TINY = ["width=8", "channel_multipliers=1,2", "blocks_per_level=1", "num_timesteps=20", "sampling_steps=5"]


def _train(name, run, steps, *extra):
    return main(["train", name, "--data", "embedded-mnist", "--out", str(run), "--batch-size", "8", "--steps", str(steps),
                 "--lr", "2e-4", "--set", *TINY, "--train", "sample_every=0", "checkpoint_every=2", "ema_decay=0.9",
                 *extra])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("diffusion") / "ddpm"
    assert _train("ddpm", folder, 2) == 0
    assert _train("ddpm", folder, 4, "--resume") == 0
    return folder


@pytest.fixture(scope="module")
def digit(tmp_path_factory):
    """A real test digit as a PNG, and a mask of its size: black (known) but for a white centre square (fill)."""
    folder = tmp_path_factory.mktemp("images")
    image = pixelforge.load_dataset("embedded-mnist", split="test").images[0].numpy()[0]   # (28, 28) uint8
    Image.fromarray(image, "L").save(folder / "digit.png")
    mask = np.zeros((28, 28), dtype=np.uint8)
    mask[8:20, 8:20] = 255
    Image.fromarray(mask, "L").save(folder / "mask.png")
    Image.fromarray(np.zeros((20, 20), dtype=np.uint8), "L").save(folder / "small_mask.png")
    return folder


def test_a_resumed_run_equals_an_uninterrupted_one(run, tmp_path):
    assert (run / "checkpoints" / "latest").read_text().strip() == "step-00000004"
    straight = tmp_path / "straight"
    assert _train("ddpm", straight, 4) == 0
    for file in ("model.safetensors", "ema.safetensors"):
        resumed = load_file(run / "checkpoints" / "step-00000004" / file)
        uninterrupted = load_file(straight / "checkpoints" / "step-00000004" / file)
        assert resumed.keys() == uninterrupted.keys()
        assert all(torch.equal(resumed[key], uninterrupted[key]) for key in resumed)


@pytest.mark.parametrize("options", [[], ["--sampler", "ddpm"], ["--sampler", "ddim", "--sampling-steps", "3",
                                                                  "--eta", "0.5"],
                                     ["--sampler", "dpm++", "--sampling-steps", "4"]])
def test_sampling_with_each_sampler(run, tmp_path, options):
    grid = tmp_path / "grid.png"
    assert main(["sample", str(run), "--num-samples", "4", "--nrow", "4", "--out", str(grid), *options]) == 0
    assert Image.open(grid).size == (4 * 30 + 2, 30 + 2)


def test_ddim_sampling_is_the_same_for_the_same_seed(run, tmp_path):
    paths = [tmp_path / f"{i}.png" for i in range(2)]
    for path in paths:
        assert main(["sample", str(run), "--num-samples", "2", "--out", str(path), "--sampler", "ddim"]) == 0
    assert np.array_equal(np.asarray(Image.open(paths[0])), np.asarray(Image.open(paths[1])))


def test_guided_sampling_of_a_conditional_model(tmp_path):
    folder = tmp_path / "conditional"
    assert _train("conditional_ddpm", folder, 2) == 0
    grid = tmp_path / "guided.png"
    assert main(["sample", str(folder), "--num-samples", "3", "--label", "7", "--guidance", "2.5", "--out", str(grid)]) == 0
    assert grid.is_file()


def test_edits_write_images_of_the_model_size(run, digit, tmp_path, capsys):
    out = tmp_path / "inpainted.png"
    assert main(["edit", "inpaint", str(digit / "digit.png"), str(out), "--mask", str(digit / "mask.png"),
                 "--method", "diffusion", "--model", str(run), "--resamplings", "2", "--jump-length", "3"]) == 0
    result, original = np.asarray(Image.open(out)), np.asarray(Image.open(digit / "digit.png"))
    keep = np.asarray(Image.open(digit / "mask.png")) < 128   # white = fill, black = keep
    # the grid adds a 2-pixel border; the kept pixels survive the PNG round trip exactly
    assert np.array_equal(result[2:30, 2:30][keep], original[keep])
    assert main(["edit", "img2img", str(digit / "digit.png"), str(tmp_path / "sdedit.png"), "--strength", "0.5",
                 "--model", str(run)]) == 0
    assert main(["edit", "interpolate", str(digit / "digit.png"), str(digit / "digit.png"), str(tmp_path / "walk.png"),
                 "--model", str(run), "--steps", "4", "--sampling-steps", "5"]) == 0
    assert Image.open(tmp_path / "walk.png").size == (4 * 30 + 2, 32)
    assert "sdedit.png" in capsys.readouterr().out


def test_eval_reports_the_bound_in_bits_per_dim_with_its_protocol(run, capsys):
    assert main(["eval", str(run), "--limit", "8"]) == 0   # --metrics auto: the likelihood bound
    output = capsys.readouterr().out
    assert "nll:" in output and "bits/dim" in output and "variational bound" in output
    report = json.loads((run / "checkpoints" / "step-00000004" / "evaluation.json").read_text())
    result = report["results"][0]
    assert 0 < result["bits_per_dim"] < 20 and "all 19 KL terms" in result["protocol"]["estimator"]


@pytest.mark.parametrize("case,expected", [
    ("missing image", "no such image file"),
    ("mask size", "the mask is 20x20 pixels"),
    ("strength", "strength=1.5"),
    ("not diffusion", "is not a diffusion model"),
    ("eta on a gan", "apply to diffusion models"),
])
def test_user_errors_are_one_line_and_exit_2(run, digit, tmp_path, capsys, case, expected):
    out = str(tmp_path / "out.png")
    gan = tmp_path / "gan"
    pixelforge.save_model(pixelforge.create_model("dcgan", width=4, latent_dim=8), gan)
    commands = {
        "missing image": ["edit", "img2img", str(tmp_path / "none.png"), out, "--strength", "0.5", "--model", str(run)],
        "mask size": ["edit", "inpaint", str(digit / "digit.png"), out, "--mask", str(digit / "small_mask.png"),
                      "--method", "diffusion", "--model", str(run)],
        "strength": ["edit", "img2img", str(digit / "digit.png"), out, "--strength", "1.5", "--model", str(run)],
        "not diffusion": ["edit", "inpaint", str(digit / "digit.png"), out, "--mask", str(digit / "mask.png"),
                          "--method", "diffusion", "--model", str(gan)],
        "eta on a gan": ["sample", str(gan), "--num-samples", "2", "--out", out, "--eta", "0.5"],
    }
    assert main(commands[case]) == 2
    error = capsys.readouterr().err.strip()
    assert expected in error and len(error.splitlines()) == 1
