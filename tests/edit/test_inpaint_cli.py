"""`pixelforge edit inpaint` end to end with the shipped weights on a real photo: gray, RGB and RGBA
files, white = fill, known pixels kept exactly; user errors are one line and exit 2."""

import numpy as np
import pytest
from PIL import Image

from pixelforge.cli import main
from pixelforge.edit.inpainting import SHIPPED_WEIGHTS, generate_mask, save_mask


@pytest.fixture(scope="module")
def files(shared_datasets, tmp_path_factory):
    folder = tmp_path_factory.mktemp("inpaint")
    photo = Image.open(shared_datasets / "restoration" / "CBSD68" / "101085.png").convert("RGB").crop((60, 100, 156, 180))
    photo.save(folder / "rgb.png")
    photo.convert("L").save(folder / "gray.png")
    rgba = photo.convert("RGBA")
    rgba.putalpha(Image.fromarray(np.tile(np.linspace(0, 255, 96).astype(np.uint8), (80, 1))))
    rgba.save(folder / "rgba.png")
    save_mask(generate_mask(80, 96, "free-form", (0.2, 0.3), seed=5), folder / "mask.png")
    Image.new("L", (50, 50), 255).save(folder / "small_mask.png")
    return folder


def test_shipped_weights_are_there():
    assert (SHIPPED_WEIGHTS / "config.json").is_file() and (SHIPPED_WEIGHTS / "model.safetensors").is_file()


@pytest.mark.parametrize("name,mode", [("rgb", "RGB"), ("gray", "L"), ("rgba", "RGBA")])
def test_learned_inpainting_keeps_the_known_pixels_and_fills_the_white_ones(files, tmp_path, name, mode):
    out = tmp_path / f"{name}.png"
    assert main(["edit", "inpaint", str(files / f"{name}.png"), str(out), "--mask", str(files / "mask.png")]) == 0
    result, original = Image.open(out), np.asarray(Image.open(files / f"{name}.png"), dtype=np.float64)
    assert result.mode == mode and result.size == (96, 80)
    filled, hole = np.asarray(result, dtype=np.float64), np.asarray(Image.open(files / "mask.png")) >= 128
    assert np.array_equal(filled[~hole], original[~hole])
    # the fill follows the photo: much closer than the mean colour of the known pixels
    mean_fill_error = np.abs(original[~hole].mean(0) - original[hole]).mean()
    assert np.abs(filled[hole] - original[hole]).mean() < 0.7 * mean_fill_error


def test_classical_method_from_the_command_line(files, tmp_path):
    out = tmp_path / "telea.png"
    assert main(["edit", "inpaint", str(files / "rgb.png"), str(out), "--mask", str(files / "mask.png"),
                 "--method", "telea"]) == 0
    hole = np.asarray(Image.open(files / "mask.png")) >= 128
    assert np.array_equal(np.asarray(Image.open(out))[~hole], np.asarray(Image.open(files / "rgb.png"))[~hole])


@pytest.mark.parametrize("case,expected", [
    ("size", "the mask is 50x50 pixels but the image is 96x80"),
    ("colour mask", "coloured pixels"),
    ("model for telea", "--model is for --method learned, diffusion or inversion"),
    ("inversion without model", "--method inversion needs --model: a GAN or VAE"),
    ("diffusion without model", "--method diffusion needs --model"),
    ("ensemble for telea", "--ensemble is for --method learned, not telea"),
    ("missing image", "no such image file"),
])
def test_user_errors_are_one_line_and_exit_2(files, tmp_path, capsys, case, expected):
    out = str(tmp_path / "out.png")
    image, mask = str(files / "rgb.png"), str(files / "mask.png")
    commands = {
        "size": [image, out, "--mask", str(files / "small_mask.png")],
        "colour mask": [image, out, "--mask", image],
        "model for telea": [image, out, "--mask", mask, "--method", "telea", "--model", str(SHIPPED_WEIGHTS)],
        "diffusion without model": [image, out, "--mask", mask, "--method", "diffusion"],
        "inversion without model": [image, out, "--mask", mask, "--method", "inversion"],
        "ensemble for telea": [image, out, "--mask", mask, "--method", "telea", "--ensemble"],
        "missing image": [str(tmp_path / "none.png"), out, "--mask", mask],
    }
    assert main(["edit", "inpaint", *commands[case]]) == 2
    error = capsys.readouterr().err.strip()
    assert expected in error and len(error.splitlines()) == 1


def test_the_self_ensemble_keeps_known_pixels_and_fills_as_well_as_one_pass(files, tmp_path):
    image, mask = str(files / "rgb.png"), str(files / "mask.png")
    assert main(["edit", "inpaint", image, str(tmp_path / "one.png"), "--mask", mask]) == 0
    assert main(["edit", "inpaint", image, str(tmp_path / "eight.png"), "--mask", mask, "--ensemble"]) == 0
    original = np.asarray(Image.open(image), dtype=np.float64)
    hole = np.asarray(Image.open(mask)) >= 128
    one, eight = (np.asarray(Image.open(tmp_path / f"{name}.png"), dtype=np.float64) for name in ("one", "eight"))
    assert np.array_equal(eight[~hole], original[~hole]) and not np.array_equal(eight, one)
    # each orientation's hole lines up with its image: the mean fill is no worse than one pass (a misaligned
    # hole would fill from the wrong pixels)
    assert np.abs(eight[hole] - original[hole]).mean() < 1.1 * np.abs(one[hole] - original[hole]).mean()
