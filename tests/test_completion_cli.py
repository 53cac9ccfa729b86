"""`pixelforge edit complete`: autoregressive completion from the command line, and its user errors."""

import numpy as np
import pytest
import torch
from PIL import Image

import pixelforge
from pixelforge.cli import main
from pixelforge.edit.completion import occlusion_mask
from pixelforge.images import tensor_to_pil

TINY_PIXELCNN = ["--set", "width=4", "output_width=8", "num_layers=1"]
SIZE, PAD = 28, 2  # image size and the grid's padding (pixelforge.images.make_grid)


@pytest.fixture(scope="module")
def pixelcnn_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("complete") / "pixelcnn"
    assert main(["train", "pixelcnn", "--out", str(run_dir), "--steps", "3", "--batch-size", "8", *TINY_PIXELCNN,
                 "--train", "sample_every=0", "checkpoint_every=0"]) == 0
    return run_dir


@pytest.fixture(scope="module")
def digit(tmp_path_factory):
    """A real test digit, binarized, saved as a 28x28 gray PNG; returns (path, pixels in {-1, 1})."""
    test = pixelforge.load_dataset("embedded-mnist", split="test")
    image = torch.where(test.batch(torch.arange(1))[0][0] > 0, 1.0, -1.0)        # (1, 28, 28)
    path = tmp_path_factory.mktemp("complete") / "digit.png"
    tensor_to_pil(image).save(path)
    return path, image


def _tiles(path, count):
    """The `count` tiles of a one-row grid PNG, as float (count, 28, 28) in [-1, 1]."""
    grid = np.asarray(Image.open(path).convert("L"), dtype=np.float32) / 127.5 - 1
    assert grid.shape == (SIZE + 2 * PAD, count * (SIZE + PAD) + PAD)
    return torch.stack([torch.from_numpy(grid[PAD:PAD + SIZE, PAD + k * (SIZE + PAD):PAD + k * (SIZE + PAD) + SIZE])
                        for k in range(count)])


def test_occluded_bottom_half_is_completed_and_the_top_half_kept(pixelcnn_run, digit, tmp_path):
    source, image = digit
    out = tmp_path / "completed.png"
    assert main(["edit", "complete", str(source), str(out), "--occlude", "bottom-half", "--model", str(pixelcnn_run),
                 "--num", "3", "--seed", "1"]) == 0
    tiles = _tiles(out, 5)                                   # input, masked input, 3 completions
    assert torch.equal(tiles[0], image[0])
    assert torch.equal(tiles[1, :14], image[0, :14]) and bool((tiles[1, 14:].abs() < 0.01).all())  # mid-gray
    for completion in tiles[2:]:
        assert torch.equal(completion[:14], image[0, :14])
        assert bool(((completion[14:] == 1) | (completion[14:] == -1)).all())
    assert not torch.equal(tiles[2, 14:], tiles[3, 14:]) or not torch.equal(tiles[3, 14:], tiles[4, 14:])


def test_a_mask_file_marks_known_pixels_white_and_the_seed_fixes_the_result(pixelcnn_run, digit, tmp_path):
    source, image = digit
    known = occlusion_mask("centre", SIZE)[0, 0]
    mask = tmp_path / "mask.png"
    Image.fromarray(known.numpy().astype(np.uint8) * 255, "L").save(mask)
    outs = [tmp_path / f"out{k}.png" for k in range(3)]
    for out, sampling in zip(outs, ("fast", "naive", "fast")):
        assert main(["edit", "complete", str(source), str(out), "--mask", str(mask), "--model", str(pixelcnn_run),
                     "--num", "2", "--sampling", sampling]) == 0
    tiles = [_tiles(out, 4) for out in outs]
    assert torch.equal(tiles[0][2:][:, known], image[0][known].expand(2, -1))
    assert torch.equal(tiles[0], tiles[1]) and torch.equal(tiles[0], tiles[2])    # fast = naive, same seed


@pytest.fixture(scope="module")
def vae_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = pixelforge.create_model("vae", architecture="mlp", width=4, latent_dim=4)
    return pixelforge.save_model(model, tmp_path_factory.mktemp("complete") / "vae")


def _write(path, array, mode):
    Image.fromarray(array, mode).save(path)
    return path


@pytest.mark.parametrize("case,message", [
    ("missing", "no such image file"),
    ("mask_size", "the mask is 20x20 pixels but the image is 28x28"),
    ("not_autoregressive", "holds a 'vae' model; completion needs an autoregressive model"),
    ("image_size", "the image is 32x32 pixels; the model completes 28x28 images"),
    ("image_mode", "a RGB image; the model completes gray images"),
    ("all_known", "every pixel is marked known"),
])
def test_user_errors_print_one_line_and_exit_non_zero(case, message, pixelcnn_run, vae_checkpoint, digit, tmp_path,
                                                      capsys):
    source, model, known = digit[0], pixelcnn_run, ["--occlude", "bottom-half"]
    if case == "missing":
        source = tmp_path / "nothing.png"
    elif case == "mask_size":
        known = ["--mask", str(_write(tmp_path / "small.png", np.full((20, 20), 255, np.uint8), "L"))]
    elif case == "not_autoregressive":
        model = vae_checkpoint
    elif case == "image_size":
        source = _write(tmp_path / "big.png", np.zeros((32, 32), np.uint8), "L")
    elif case == "image_mode":
        source = _write(tmp_path / "colour.png", np.zeros((28, 28, 3), np.uint8), "RGB")
    else:
        known = ["--mask", str(_write(tmp_path / "white.png", np.full((28, 28), 255, np.uint8), "L"))]
    code = main(["edit", "complete", str(source), str(tmp_path / "out.png"), *known, "--model", str(model)])
    error = capsys.readouterr().err
    assert code == 2 and message in error and len(error.strip().splitlines()) == 1
