"""Denoising: the shipped FFDNet-style network on a real noisy image, seamless tiling (also with
FFDNet's 2x2 polyphase split), image kinds and modes, the sigma option and its estimate, and the CLI."""

import numpy as np
import pytest
import torch
from PIL import Image

from pixelforge.cli import main
from pixelforge.edit import denoise
from pixelforge.edit.restore import denoise_tensor, estimate_sigma
from pixelforge.errors import ConfigError
from pixelforge.images import read_image_uint8
from pixelforge.metrics.restoration import psnr
from pixelforge.models.restoration import DnCNN, FFDNet


@pytest.fixture(scope="module")
def tiny_model():
    torch.manual_seed(0)
    return DnCNN(depth=4, width=4).eval()


def test_shipped_network_removes_noise_from_a_real_image(shared_datasets):
    clean = read_image_uint8(shared_datasets / "restoration" / "Set12" / "05.png").double() / 255
    noisy = clean + 25 / 255 * torch.randn(clean.shape, generator=torch.Generator().manual_seed(0), dtype=clean.dtype)
    result = denoise_tensor(noisy.float()).clamp(0, 1).double()
    noisy_psnr = psnr(noisy.clamp(0, 1), clean, (0, 1))["value"]
    assert psnr(result, clean, (0, 1))["value"] > noisy_psnr + 7  # about 20.2 dB in, 29.2 out (shipped weights)


def test_tiled_inference_equals_whole_image_inference(tiny_model):
    noisy = torch.rand(2, 45, 61, generator=torch.Generator().manual_seed(1))
    whole = denoise_tensor(noisy, model=tiny_model, tile=1000)
    tiles = denoise_tensor(noisy, model=tiny_model, tile=16)
    assert torch.allclose(whole, tiles, atol=1e-5)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_pil_modes_are_kept_and_alpha_is_untouched(tiny_model, mode):
    rng = np.random.default_rng(0)
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    array = rng.integers(0, 256, (15, 22, channels), dtype=np.uint8)
    image = Image.fromarray(array[..., 0] if mode == "L" else array, mode)
    out = denoise(image, model=tiny_model)
    assert out.mode == mode and out.size == (22, 15)
    if mode == "RGBA":
        assert np.array_equal(np.asarray(out)[..., 3], array[..., 3])


def test_arrays_and_tensors_come_back_as_the_same_kind(tiny_model):
    assert denoise(np.zeros((10, 12), dtype=np.uint8), model=tiny_model).dtype == np.uint8
    tensor = torch.zeros(3, 8, 9)
    result = denoise(tensor, model=tiny_model)
    assert result.shape == (3, 8, 9) and result.min() >= -1 and result.max() <= 1


def test_sigma_above_the_trained_range_is_scaled_into_it_and_nonsense_is_refused(tiny_model):
    noisy = torch.rand(1, 20, 20)
    # above 55 the image is scaled by 50 / sigma, so the result equals that of the scaled image, scaled back
    assert torch.allclose(denoise_tensor(noisy, sigma=100, model=tiny_model),
                          denoise_tensor(noisy * 0.5, model=tiny_model) / 0.5, atol=1e-6)
    with pytest.raises(ConfigError, match="sigma"):
        denoise_tensor(noisy, sigma=-1, model=tiny_model)


def test_cli_denoises_a_file_and_reports_an_unreadable_one(tmp_path, capsys):
    source = tmp_path / "gray.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (24, 30), dtype=np.uint8), "L").save(source)
    assert main(["edit", "denoise", str(source), str(tmp_path / "clean.png"), "--sigma", "25"]) == 0
    with Image.open(tmp_path / "clean.png") as clean:
        assert clean.size == (30, 24) and clean.mode == "L"
    assert main(["edit", "denoise", str(tmp_path / "missing.png"), str(tmp_path / "out.png")]) != 0
    assert "missing.png" in capsys.readouterr().err


@pytest.fixture(scope="module")
def tiny_ffdnet():
    torch.manual_seed(0)
    model = FFDNet(depth=4, width=4)
    torch.nn.init.normal_(model.body[-1].weight, std=0.1)  # the last conv starts at zero (identity); make it act
    return model.eval()


@pytest.mark.parametrize("tile", [15, 16, 17])
def test_ffdnet_tiles_keep_the_polyphase_split_of_the_whole_image(tiny_ffdnet, tile):
    noisy = torch.rand(3, 45, 61, generator=torch.Generator().manual_seed(2))  # odd sides: padded and cropped
    whole = denoise_tensor(noisy, sigma=25, model=tiny_ffdnet, tile=1000)
    assert torch.allclose(denoise_tensor(noisy, sigma=25, model=tiny_ffdnet, tile=tile), whole, atol=1e-5)


def test_an_untrained_ffdnet_is_the_identity_and_its_output_depends_on_sigma(tiny_ffdnet):
    noisy = torch.rand(1, 1, 12, 14)
    assert torch.equal(FFDNet(depth=3, width=4).eval()(noisy, 0.1), noisy)
    assert not torch.allclose(tiny_ffdnet(noisy, 0.05), tiny_ffdnet(noisy, 0.2))


def test_sigma_is_estimated_from_the_image_when_not_given(shared_datasets, tiny_ffdnet):
    clean = read_image_uint8(shared_datasets / "restoration" / "Set12" / "08.png").double() / 255
    noisy = clean + 25 / 255 * torch.randn(clean.shape, generator=torch.Generator().manual_seed(3), dtype=clean.dtype)
    estimate = estimate_sigma(noisy[0])
    assert 22 < estimate < 28  # wavelet MAD on a real photo with sigma 25 noise
    assert estimate_sigma(clean[0]) < 5
    noisy = noisy.float()
    assert torch.equal(denoise_tensor(noisy, model=tiny_ffdnet),
                       denoise_tensor(noisy, sigma=estimate_sigma(noisy[0]), model=tiny_ffdnet))


def test_ffdnet_above_the_trained_range_sees_sigma_50_on_the_scaled_image(tiny_ffdnet):
    noisy = torch.rand(1, 20, 20)
    assert torch.allclose(denoise_tensor(noisy, sigma=100, model=tiny_ffdnet),
                          denoise_tensor(noisy * 0.5, sigma=50, model=tiny_ffdnet) / 0.5, atol=1e-6)


def test_a_sigma_with_its_own_shipped_model_uses_it_unless_told_not_to(shared_datasets, tmp_path, capsys):
    from pixelforge.edit.restore.weights import DENOISE_SPECIALISTS, DENOISE_WEIGHTS, shipped

    clean = read_image_uint8(shared_datasets / "restoration" / "Set12" / "08.png").double() / 255
    noisy = (clean + 25 / 255 * torch.randn(clean.shape, generator=torch.Generator().manual_seed(2),
                                            dtype=clean.dtype)).float()
    routed, general = denoise_tensor(noisy, 25), denoise_tensor(noisy, 25, specialist=False)
    assert torch.equal(routed, denoise_tensor(noisy, 25, model=shipped(DENOISE_SPECIALISTS[25])))
    assert torch.equal(general, denoise_tensor(noisy, 25, model=shipped(DENOISE_WEIGHTS)))
    assert not torch.equal(routed, general)
    assert torch.equal(denoise_tensor(noisy, 24), denoise_tensor(noisy, 24, specialist=False))  # no own model
    # the per-sigma model is at least as good at its level on this image (measured: +0.1 to +0.2 dB on BSD68)
    score = {name: psnr(out.clamp(0, 1).double(), clean, (0, 1))["value"]
             for name, out in (("routed", routed), ("general", general))}
    assert score["routed"] > score["general"]
    source = tmp_path / "noisy.png"
    Image.fromarray((noisy[0].clamp(0, 1) * 255).round().byte().numpy()).save(source)
    outputs = {}
    for flags in ([], ["--general-model"]):
        target = tmp_path / f"out{len(flags)}.png"
        assert main(["edit", "denoise", str(source), str(target), "--sigma", "25", *flags]) == 0
        outputs[len(flags)] = np.asarray(Image.open(target))
    assert not np.array_equal(outputs[0], outputs[1])
