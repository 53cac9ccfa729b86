"""PSNR and SSIM as restoration papers compute them, on values derived by hand and a real Set5 image."""

import math

import numpy as np
import pytest
import torch
from PIL import Image

from pixelforge.errors import ConfigError, DataError
from pixelforge.metrics import psnr, ssim


@pytest.fixture(scope="module")
def baby(shared_datasets) -> torch.Tensor:
    """Set5 'baby', float64 (3, 512, 512) in [0, 1]."""
    array = np.array(Image.open(shared_datasets / "restoration" / "Set5" / "baby.png").convert("RGB"))
    return torch.from_numpy(array).permute(2, 0, 1).double() / 255


def test_psnr_of_an_offset_of_a_tenth_is_20_db():
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 0.9
    result = psnr(x + 0.1, x, value_range=(0, 1))
    assert result["value"] == pytest.approx(20.0, abs=1e-9) and result["unit"] == "dB"
    assert result["per_image"] == pytest.approx([20.0, 20.0], abs=1e-9)
    # The same images on pixelforge's [-1, 1] scale: the offset doubles and so does the range.
    assert psnr(2 * (x + 0.1) - 1, 2 * x - 1)["value"] == pytest.approx(20.0, abs=1e-9)


def test_ssim_of_an_image_with_itself_is_one_and_falls_with_noise(baby):
    assert ssim(baby, baby, value_range=(0, 1))["value"] == pytest.approx(1.0, abs=1e-12)
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(baby.shape, generator=generator, dtype=torch.float64)
    scores = [ssim((baby + sigma * noise).clamp(0, 1), baby, value_range=(0, 1), channel="y")["value"]
              for sigma in (0.02, 0.1)]
    assert 1.0 > scores[0] > scores[1] > 0.0
    assert psnr(baby, baby, value_range=(0, 1))["value"] == math.inf


def test_y_channel_psnr_with_a_border_crop_on_set5(baby):
    # Shift red by 4 levels (down where it would leave [0, 1]), and wreck a 4-pixel frame.
    # Inside the frame Y moves by exactly 65.481 * 4 / 255 everywhere (BT.601), so
    # PSNR_Y = 20 log10(255 / (65.481 * 4 / 255)), and PSNR_RGB = 10 log10(3 * 255² / 4²).
    degraded = baby.clone()
    red = degraded[0]
    red += torch.where(red <= 251 / 255, 4 / 255, -4 / 255)
    degraded[:, :4, :], degraded[:, -4:, :], degraded[:, :, :4], degraded[:, :, -4:] = 0, 0, 0, 0
    expected_y = 20 * math.log10(255 / (65.481 * 4 / 255))
    result = psnr(degraded, baby, value_range=(0, 1), channel="y", border=4)
    assert result["value"] == pytest.approx(expected_y, abs=1e-6)  # 47.898 dB
    assert result["protocol"]["border_crop"] == 4 and "BT.601" in result["protocol"]["channel"]
    rgb = psnr(degraded, baby, value_range=(0, 1), border=4)["value"]
    assert rgb == pytest.approx(10 * math.log10(3 * 255 ** 2 / 4 ** 2), abs=1e-6)
    assert psnr(degraded, baby, value_range=(0, 1), channel="y")["value"] < expected_y - 10  # the frame counts


def test_mismatched_or_out_of_range_images_are_refused(baby):
    with pytest.raises(DataError, match="same shape"):
        psnr(baby[:, :100, :100], baby[:, :101, :100], value_range=(0, 1))
    with pytest.raises(DataError, match=r"value_range \[-1.0, 1.0\]"):
        psnr(baby * 255, baby * 255)
    with pytest.raises(ConfigError, match="border=300"):
        ssim(baby, baby, value_range=(0, 1), border=300)
    with pytest.raises(ConfigError, match="channel"):
        psnr(baby, baby, value_range=(0, 1), channel="lab")
