"""Inpainting: every method keeps the known pixels exactly; masks are parsed, validated and generated
with the coverage asked for; the learned network works at any size and round-trips through its files."""

import numpy as np
import pytest
import torch
from PIL import Image

import pixelforge
from pixelforge.edit import inpaint
from pixelforge.edit.inpainting import (generate_mask, load_inpainting_model, read_mask, save_inpainting_model,
                                     save_mask)
from pixelforge.edit.inpainting.api import pil_to_unit
from pixelforge.edit.inpainting.masks import MASK_KINDS, mask_from_array
from pixelforge.errors import CheckpointError, ConfigError, DataError
from pixelforge.models.inpainting import InpaintingConfig, InpaintingUNet, push_pull_fill

TINY = InpaintingConfig(channels=4, depth=2, dilations=(2,))


@pytest.fixture(scope="module")
def photo(shared_datasets):
    """A real 40x56 RGB crop of a Kodak photo, as float (3, H, W) in [0, 1]."""
    image = Image.open(shared_datasets / "restoration" / "Kodak24" / "kodim23.png").convert("RGB")
    return pil_to_unit(image.crop((300, 200, 356, 240)))


@pytest.fixture(scope="module")
def tiny_model():
    torch.manual_seed(0)
    model = InpaintingUNet(TINY).eval()
    torch.nn.init.normal_(model.head.weight, std=0.1)   # not the identity over the coarse fill
    return model


@pytest.mark.parametrize("method", ["learned", "telea", "navier-stokes", "biharmonic"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_known_pixels_are_kept_exactly_and_the_hole_is_filled(photo, tiny_model, method, channels):
    image = {1: photo.mean(0, keepdim=True), 3: photo, 4: torch.cat([photo, torch.rand(1, *photo.shape[1:])])}[channels]
    hole = generate_mask(*photo.shape[1:], "mixed", (0.2, 0.3), seed=1)
    holey = torch.where(torch.from_numpy(hole), torch.zeros_like(image), image)
    filled = inpaint(holey, hole, method=method, model=tiny_model if method == "learned" else None)
    assert filled.shape == image.shape and filled.dtype == image.dtype
    known = torch.from_numpy(~hole).expand_as(image)
    assert torch.equal(filled[known], holey[known])
    assert filled[~known].min() >= 0 and filled[~known].max() <= 1
    assert (filled[~known] - image[~known]).abs().mean() < (holey[~known] - image[~known]).abs().mean()


class HoleMarker(InpaintingUNet):
    """Fills with +1 where its hole input is True and -1 elsewhere: equivariant under flips and turns."""

    def forward(self, image, hole):
        return torch.where(hole, 1.0, -1.0).expand_as(image)


def test_the_self_ensemble_turns_image_and_hole_together_and_undoes_each_turn(photo):
    hole = np.zeros(photo.shape[1:], bool)
    hole[3:9, 30:50] = True   # off-centre and not square: any mismatched turn would move it
    marker = HoleMarker(TINY).eval()
    filled = inpaint(photo, hole, model=marker, ensemble=True)
    assert torch.equal(filled[:, torch.from_numpy(hole)], torch.ones(3, int(hole.sum())))
    assert torch.equal(filled[:, ~torch.from_numpy(hole)], photo[:, ~torch.from_numpy(hole)])
    with pytest.raises(ConfigError, match="ensemble is an option of method='learned'"):
        inpaint(photo, hole, method="telea", ensemble=True)


def test_diffusion_and_autoregressive_completion_keep_known_pixels(photo):
    gray = (photo.mean(0, keepdim=True)[:, :16, :16] * 255).round() / 255   # 8-bit levels
    hole = np.zeros((16, 16), bool)
    hole[4:10, 5:12] = True
    diffusion = pixelforge.create_model("ddpm", image_size=16, channels=1, width=8, channel_multipliers="1,2",
                                        blocks_per_level=1, num_timesteps=20, sampling_steps=5).eval()
    autoregressive = pixelforge.create_model("pixelcnn", image_size=16, channels=1, width=6, output_width=8,
                                             num_layers=2, likelihood="softmax").eval()
    for method, model, options in (("diffusion", diffusion, {"steps": 5}), ("autoregressive", autoregressive, {})):
        filled = inpaint(gray, hole, method=method, model=model, seed=3, **options)
        assert torch.equal(filled[:, ~torch.from_numpy(hole)], gray[:, ~torch.from_numpy(hole)])
        assert torch.equal(filled, inpaint(gray, hole, method=method, model=model, seed=3, **options))
    with pytest.raises(DataError, match="works on"):
        inpaint(photo, generate_mask(*photo.shape[1:], seed=0), method="diffusion", model=diffusion)
    with pytest.raises(ConfigError, match="needs a trained model"):
        inpaint(gray, hole, method="diffusion")


def test_inputs_are_validated(photo):
    with pytest.raises(DataError, match="does not match"):
        inpaint(photo, np.ones((8, 8), bool), method="telea")
    with pytest.raises(DataError, match="expected bool"):
        inpaint(photo, np.ones(photo.shape[1:], np.uint8), method="telea")
    with pytest.raises(ConfigError, match="method='sketch'"):
        inpaint(photo, np.ones(photo.shape[1:], bool), method="sketch")


def test_mask_files_white_is_fill_soft_edges_thresholded_and_bad_masks_refused(tmp_path):
    levels = np.array([[0, 127, 128, 255]], np.uint8).repeat(3, 0)
    Image.fromarray(levels, "L").save(tmp_path / "gray.png")
    assert read_mask(tmp_path / "gray.png").tolist() == [[False, False, True, True]] * 3
    Image.fromarray(np.stack([levels] * 3, -1), "RGB").save(tmp_path / "rgb.png")
    assert read_mask(tmp_path / "rgb.png", image_size=(3, 4)).tolist() == [[False, False, True, True]] * 3
    Image.fromarray(levels > 100).save(tmp_path / "bits.png")
    assert read_mask(tmp_path / "bits.png")[0].tolist() == [False, True, True, True]
    with pytest.raises(DataError, match="the mask is 4x3 pixels but the image is 5x3"):
        read_mask(tmp_path / "gray.png", image_size=(3, 5))
    colour = np.stack([levels, levels, 255 - levels], -1)
    with pytest.raises(DataError, match="coloured pixels"):
        mask_from_array(colour, "RGB")
    transparent = np.concatenate([np.stack([levels] * 3, -1), np.zeros((3, 4, 1), np.uint8)], -1)
    with pytest.raises(DataError, match="transparent"):
        mask_from_array(transparent, "RGBA")
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="not a readable image"):
        read_mask(tmp_path / "broken.png")


@pytest.mark.parametrize("kind", MASK_KINDS)
@pytest.mark.parametrize("band", [(0.1, 0.2), (0.2, 0.3), (0.3, 0.4)])
def test_generated_masks_have_the_coverage_asked_for_and_follow_the_seed(kind, band):
    masks = [generate_mask(96, 128, kind, band, seed) for seed in range(3)]
    assert all(band[0] <= mask.mean() <= band[1] and mask.shape == (96, 128) for mask in masks)
    assert np.array_equal(masks[0], generate_mask(96, 128, kind, band, 0))
    assert not np.array_equal(masks[0], masks[1])


def test_mask_generator_rejects_bad_settings():
    with pytest.raises(ConfigError, match="mask kind"):
        generate_mask(32, 32, "circles")
    with pytest.raises(ConfigError, match="coverage"):
        generate_mask(32, 32, coverage=(0.5, 0.2))


def test_network_works_at_any_size_and_every_parameter_learns(tiny_model):
    images = torch.rand(2, 3, 23, 37) * 2 - 1
    hole = torch.rand(2, 1, 23, 37) < 0.3
    model = InpaintingUNet(TINY)
    torch.nn.init.normal_(model.head.weight, std=0.1)   # zero at initialisation: the coarse fill
    model.raw(images, hole).abs().mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())
    filled = tiny_model(images, hole)
    assert filled.shape == images.shape and torch.isfinite(filled).all()


def test_the_signal_neither_vanishes_nor_explodes_through_the_gated_layers():
    """At initialisation every gated layer's output keeps roughly the stem's scale (the default
    PyTorch init shrank it ~2x per layer, to ~1e-2 of the stem after 16 layers)."""
    from pixelforge.models.inpainting import GatedConv2d

    torch.manual_seed(0)
    model = InpaintingUNet(InpaintingConfig(channels=16))
    scales = []
    for name, module in model.named_modules():
        if isinstance(module, GatedConv2d) and not name.startswith("middle"):  # dilated: mostly padding at 8x8
            module.register_forward_hook(lambda _, __, out: scales.append(out.abs().mean().item()))
    images = torch.rand(2, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        model.raw(images, torch.rand(2, 1, 64, 64) < 0.25)
    assert len(scales) == 13
    assert all(0.3 * scales[0] < scale < 3 * scales[0] for scale in scales), scales


def test_push_pull_fill_keeps_known_pixels_and_fills_a_constant_image_with_that_constant():
    image = torch.full((1, 3, 17, 9), 0.25)
    known = (torch.rand(1, 1, 17, 9) < 0.2).float()
    filled = push_pull_fill(image * known, known)
    assert torch.allclose(filled, image)


def test_saved_weights_load_to_the_same_network(tiny_model, tmp_path):
    save_inpainting_model(tiny_model, tmp_path / "weights", {"note": "test"}, half=False)
    loaded = load_inpainting_model(tmp_path / "weights")
    images, hole = torch.rand(1, 3, 16, 16) * 2 - 1, torch.rand(1, 1, 16, 16) < 0.4
    assert torch.equal(loaded(images, hole), tiny_model(images, hole))
    with pytest.raises(CheckpointError, match="expected a weights folder with config.json"):
        load_inpainting_model(tmp_path)


def test_saved_masks_read_back_identically(tmp_path):
    mask = generate_mask(40, 30, "scratches", (0.05, 0.2), seed=4)
    assert np.array_equal(read_mask(save_mask(mask, tmp_path / "mask.png")), mask)
