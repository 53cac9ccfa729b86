"""Colorization: Lab conversion, the colorizer's output and `pixelforge edit colorize`."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.color import lab2rgb, rgb2lab

from pixelforge.cli import main
from pixelforge.edit.colorize import colorize, colourfulness, lab_to_rgb, load_colorizer, rgb_to_lab, to_lightness
from pixelforge.errors import ConfigError
from pixelforge.images import read_image_uint8, to_float
from pixelforge.models.colorizer import Colorizer, ColorizerConfig


def test_lab_conversion_matches_scikit_image_both_ways():
    rgb = torch.rand(2, 3, 5, 7, dtype=torch.float64)
    expected = np.stack([rgb2lab(image.permute(1, 2, 0).numpy()) for image in rgb]).transpose(0, 3, 1, 2)
    assert np.allclose(rgb_to_lab(rgb).numpy(), expected, atol=1e-8)
    lab = torch.tensor(expected)
    back = np.stack([lab2rgb(image.transpose(1, 2, 0)) for image in expected]).transpose(0, 3, 1, 2)
    assert np.allclose(lab_to_rgb(lab).numpy(), back, atol=1e-8)
    assert torch.allclose(lab_to_rgb(rgb_to_lab(rgb)), rgb, atol=1e-8)


def test_colourfulness_is_zero_for_gray_and_grows_with_saturation():
    gray = torch.rand(1, 16, 16).expand(3, -1, -1) * 2 - 1
    assert colourfulness(gray) == pytest.approx(0.0, abs=1e-9)
    red_green = torch.zeros(3, 16, 16)
    red_green[0, :, :8], red_green[1, :, 8:] = 1, 1
    assert colourfulness(red_green) > colourfulness(red_green * 0.5) > 0


@pytest.mark.parametrize("channels", [1, 3])
def test_colorize_output_shape_range_and_lightness(channels):
    model = Colorizer(ColorizerConfig(width=4, dilations=(1,)))
    torch.nn.init.normal_(model.dec1[-1].weight, std=0.3)  # an untrained net that still adds colour
    image = torch.rand(2, channels, 37, 29) * 1.6 - 0.8
    output = colorize(model, image, working_size=None)
    assert output.shape == (2, 3, 37, 29) and output.abs().max() <= 1
    lightness_in, lightness_out = to_lightness(image), to_lightness(output)
    assert (lightness_out - lightness_in).abs().mean() < 0.5  # Lab L units (0..100); gamut clipping only
    assert colourfulness(output[0]) > 1


def test_shipped_colorizer_keeps_lightness_on_a_real_image(shared_datasets):
    gray = to_float(read_image_uint8(shared_datasets / "restoration" / "CBSD68" / "101087.png", channels=1))
    colour = colorize(load_colorizer(), gray[None])
    assert colour.shape == (1, 3, *gray.shape[-2:])
    assert (to_lightness(colour) - to_lightness(gray[None])).abs().mean() < 1.0
    assert colourfulness(colour[0]) > 3  # it does add colour


def test_cli_colorize_end_to_end_with_alpha(shared_datasets, tmp_path):
    from PIL import Image
    picture = Image.open(shared_datasets / "restoration" / "CBSD68" / "101085.png").convert("LA").resize((121, 83))
    source, out = tmp_path / "gray.png", tmp_path / "colour.png"
    picture.save(source)
    assert main(["edit", "colorize", str(source), str(out)]) == 0
    with Image.open(out) as result:
        assert result.mode == "RGBA" and result.size == (121, 83)
        assert np.array_equal(np.array(result.getchannel("A")), np.array(picture.getchannel("A")))


def test_unknown_colorizer_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(ConfigError, match="colorize_cifar_t91"):
        load_colorizer("no_such_colorizer")
    assert main(["edit", "colorize", str(tmp_path / "missing.png"), str(tmp_path / "out.png")]) == 2
    assert "no such image file" in capsys.readouterr().err


def test_the_network_sees_the_working_size_and_the_chroma_comes_back_at_full_size():
    model = Colorizer(ColorizerConfig(width=4, dilations=(1,)))
    seen = []
    model.register_forward_hook(lambda module, inputs, output: seen.append(tuple(inputs[0].shape[-2:])))
    image = torch.rand(1, 1, 96, 144) * 2 - 1
    output = colorize(model, image, working_size=24)
    assert seen == [(24, 36)]   # short side 24, aspect kept
    assert output.shape == (1, 3, 96, 144)
    assert (to_lightness(output) - to_lightness(image)).abs().mean() < 1.0   # L stays full size (up to gamut clipping)
    colorize(model, image[..., :20, :30], working_size=24)
    assert seen[-1] == (20, 30)  # smaller images are not upscaled
