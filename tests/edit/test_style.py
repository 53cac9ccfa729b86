"""Style transfer: Gram matrices, the perceptual losses, the fast network and `pixelforge edit style`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pixelforge.cli import main
from pixelforge.edit.style import (PerceptualConfig, PerceptualLoss, gram_matrix, load_style_network,
                                   shipped_styles, stylize_fast, stylize_optimize)
from pixelforge.errors import ConfigError
from pixelforge.images import read_image_uint8
from pixelforge.models.pretrained import save_pretrained
from pixelforge.models.style_network import StyleNetwork, StyleNetworkConfig

TINY = PerceptualConfig(content_block="Conv2d_4a_3x3", style_blocks=("Conv2d_1a_3x3", "Conv2d_2b_3x3"))


def test_gram_matrix_of_a_hand_case():
    # Two channels over 2x2 positions: a = (1, 2, 3, 4), b = (1, 0, 1, 0); G = F F^T / 4.
    features = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [1.0, 0.0]]]])
    expected = torch.tensor([[[30.0, 4.0], [4.0, 2.0]]]) / 4
    assert torch.allclose(gram_matrix(features), expected)


def test_optimization_lowers_the_style_loss_of_a_tiny_image():
    generator = torch.Generator().manual_seed(0)
    content = torch.rand(1, 3, 80, 80, generator=generator) * 2 - 1
    stripes = torch.linspace(-1, 1, 80).sin().mul(3).sin().view(1, 1, 1, 80).expand(1, 3, 80, 80).clone()
    stripes[:, 0] *= -1
    result = stylize_optimize(content, stripes, steps=6, lr=0.05, config=TINY, log_every=1)
    styles = [entry["style"] for entry in result.history]
    assert styles[-1] < 0.8 * styles[0]
    assert result.image.shape == (1, 3, 80, 80) and result.image.abs().max() <= 1


@pytest.mark.parametrize("size", [(1, 77, 93), (3, 81, 64)])
def test_fast_network_keeps_odd_sizes_and_the_range(size):
    channels, height, width = size
    network = StyleNetwork(StyleNetworkConfig(width=4, num_residual_blocks=1))
    output = stylize_fast(network, torch.rand(2, channels, height, width) * 2 - 1)
    assert output.shape == (2, 3, height, width)
    assert torch.isfinite(output).all() and output.abs().max() <= 1


def test_style_network_weights_round_trip(tmp_path):
    network = StyleNetwork(StyleNetworkConfig(width=4, num_residual_blocks=1)).eval()
    save_pretrained(network, tmp_path / "style_mine", "style-network", dtype=torch.float32)
    again = load_style_network(tmp_path / "style_mine")
    images = torch.rand(1, 3, 20, 24) * 2 - 1
    assert torch.equal(stylize_fast(network, images), stylize_fast(again, images))


def test_perceptual_loss_needs_a_style_first():
    loss = PerceptualLoss(TINY)
    with pytest.raises(ConfigError, match="set_style"):
        loss.terms(torch.zeros(1, 3, 80, 80), torch.zeros(1))


def test_unknown_style_name_and_missing_style_image_are_clear_errors(tmp_path, capsys):
    with pytest.raises(ConfigError, match="starry_night"):
        load_style_network("no_such_style")
    photo = tmp_path / "photo.png"
    from PIL import Image
    Image.new("RGB", (90, 90), (120, 30, 200)).save(photo)
    assert main(["edit", "style", str(photo), str(tmp_path / "out.png"), "--style", str(tmp_path / "nope.jpg")]) == 2
    assert "nope.jpg: no such image file" in capsys.readouterr().err
    assert main(["edit", "style", str(photo), str(tmp_path / "out.png"), "--fast", "no_such_style"]) == 2
    assert "shipped styles" in capsys.readouterr().err


def test_cli_fast_style_on_a_real_photo_keeps_size_and_alpha(shared_datasets, tmp_path):
    assert "starry_night" in shipped_styles()
    from PIL import Image
    photo = Image.open(shared_datasets / "art" / "neural-style-inputs" / "golden_gate.jpg").convert("RGBA")
    photo = photo.resize((161, 97))
    photo.putalpha(Image.linear_gradient("L").resize((161, 97)))
    source, out = tmp_path / "photo.png", tmp_path / "styled.png"
    photo.save(source)
    assert main(["edit", "style", str(source), str(out), "--fast", "starry_night"]) == 0
    with Image.open(out) as result:
        assert result.mode == "RGBA" and result.size == (161, 97)
        assert np.array_equal(np.array(result.getchannel("A")), np.array(photo.getchannel("A")))
    styled = read_image_uint8(out, channels=3).float()
    original = read_image_uint8(source, channels=3).float()
    assert (styled - original).abs().mean() > 5  # the style changed the picture


def test_cli_optimization_on_a_gray_image_gives_rgb(shared_datasets, tmp_path, capsys):
    art = shared_datasets / "art" / "neural-style-inputs"
    out = tmp_path / "styled.png"
    assert main(["edit", "style", str(art / "escher_sphere.jpg"), str(out), "--style",
                 str(art / "starry_night.jpg"), "--steps", "2", "--max-size", "96"]) == 0
    assert '"style"' in capsys.readouterr().out
    image = read_image_uint8(out)
    assert image.shape[0] == 3 and image.shape[1:] == read_image_uint8(art / "escher_sphere.jpg").shape[1:]
    assert not torch.equal(image[0], image[1])  # colour from the style, not a gray copy
