"""Super-resolution: the scoring protocol, seamless tiling, image kinds and modes, the shipped
network against bicubic on a real image, and the CLI."""

import numpy as np
import pytest
import torch
from PIL import Image

from pixelforge.cli import main
from pixelforge.edit import superres
from pixelforge.edit.restore import imresize, modcrop, quantize, superres_tensor
from pixelforge.edit.restore.superres import upscale_luma
from pixelforge.images import read_image_uint8
from pixelforge.metrics.restoration import psnr
from pixelforge.errors import ConfigError
from pixelforge.models.restoration import MultiScaleEDSR, MultiScaleESPCN


@pytest.fixture(scope="module")
def tiny_model():
    torch.manual_seed(0)
    model = MultiScaleESPCN(width=4, depth=2)
    for head in model.heads.values():  # heads start at zero (pure bicubic); make them do something
        torch.nn.init.normal_(head[0].weight, std=0.1)
    return model.eval()


def test_psnr_protocol_crops_the_scale_border_before_scoring():
    target = torch.full((1, 20, 20), 100.0)
    prediction = target + 10.0
    prediction[:, :3, :] = 0.0  # garbage in the 3-pixel border that the x3 protocol crops
    prediction[:, :, -3:] = 255.0
    assert psnr(prediction, target, (0, 255), channel="y", border=3)["value"] == pytest.approx(
        20 * np.log10(255 / 10), abs=1e-9)


@pytest.fixture(scope="module")
def tiny_edsr():
    torch.manual_seed(0)
    model = MultiScaleEDSR(width=4, blocks=2)
    for upsampler in model.upsamplers.values():  # the last conv starts at zero (pure bicubic); make it act
        torch.nn.init.normal_(upsampler[-1].weight, std=0.1)
    return model.eval()


@pytest.mark.parametrize("network", ["espcn", "edsr"])
def test_tiled_inference_equals_whole_image_inference(tiny_model, tiny_edsr, network):
    model = tiny_model if network == "espcn" else tiny_edsr
    low = torch.rand(1, 1, 37, 50, generator=torch.Generator().manual_seed(1))
    for scale in (2, 3, 4):
        whole = upscale_luma(model, low, scale, tile=1000)
        tiles = upscale_luma(model, low, scale, tile=12)
        assert tiles.shape == (1, 1, 37 * scale, 50 * scale)
        assert torch.allclose(whole, tiles, atol=1e-5)


def test_an_untrained_edsr_answers_bicubic_and_refuses_unknown_scales_and_networks():
    low = torch.rand(2, 1, 9, 11)
    model = MultiScaleEDSR(width=8, blocks=2, scales=(2, 4)).eval()
    assert torch.equal(model(low, 4), imresize(low, 4))
    with pytest.raises(ConfigError, match="scale=3"):
        model(low, 3)
    with pytest.raises(ConfigError, match="'vdsr'"):
        superres(np.zeros((8, 8), dtype=np.uint8), 2, network="vdsr")


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_pil_modes_are_kept_and_alpha_is_upscaled_bicubically(tiny_model, mode):
    rng = np.random.default_rng(0)
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    array = rng.integers(0, 256, (15, 22, channels), dtype=np.uint8)
    image = Image.fromarray(array[..., 0] if mode == "L" else array, mode)
    out = superres(image, 3, model=tiny_model)
    assert out.mode == mode and out.size == (66, 45)
    if mode == "RGBA":
        alpha = quantize(imresize(torch.from_numpy(array[..., 3]).double(), 3))
        assert np.array_equal(np.asarray(out)[..., 3], alpha.numpy().astype(np.uint8))


def test_arrays_and_tensors_come_back_as_the_same_kind(tiny_model):
    gray = np.zeros((10, 12), dtype=np.uint8)
    assert superres(gray, 2, model=tiny_model).shape == (20, 24)
    assert superres(gray, 2, model=tiny_model).dtype == np.uint8
    floats = np.full((10, 12, 3), 0.5, dtype=np.float32)
    assert superres(floats, 4, model=tiny_model).shape == (40, 48, 3)
    tensor = torch.zeros(1, 3, 8, 9)  # pixelforge's [-1, 1] convention
    result = superres(tensor, 2, model=tiny_model)
    assert result.shape == (1, 3, 16, 18) and result.min() >= -1 and result.max() <= 1


@pytest.mark.parametrize("network", ["espcn", "edsr"])
def test_shipped_networks_beat_bicubic_on_a_real_image(shared_datasets, network):
    high = modcrop(read_image_uint8(shared_datasets / "restoration" / "Set5" / "bird.png").double(), 3)
    low = quantize(imresize(high, 1 / 3))
    bicubic = quantize(imresize(low, 3))
    upscaled = quantize(superres_tensor((low / 255).float(), 3, network=network).double() * 255)
    bicubic_psnr = psnr(bicubic, high, (0, 255), channel="y", border=3)["value"]
    network_psnr = psnr(upscaled, high, (0, 255), channel="y", border=3)["value"]
    assert network_psnr > bicubic_psnr + 0.5


def test_cli_upscales_a_file_and_reports_an_unreadable_one(tmp_path, capsys):
    source = tmp_path / "small.png"
    Image.new("RGBA", (9, 7), (10, 200, 30, 128)).save(source)
    assert main(["edit", "superres", str(source), str(tmp_path / "big.png"), "--scale", "2"]) == 0
    with Image.open(tmp_path / "big.png") as big:
        assert big.size == (18, 14) and big.mode == "RGBA"
    fast = ["--scale", "3", "--network", "espcn"]
    assert main(["edit", "superres", str(source), str(tmp_path / "fast.png"), *fast]) == 0
    with Image.open(tmp_path / "fast.png") as fast:
        assert fast.size == (27, 21) and fast.mode == "RGBA"
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    assert main(["edit", "superres", str(broken), str(tmp_path / "out.png")]) != 0
    assert "broken.png" in capsys.readouterr().err
