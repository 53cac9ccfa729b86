"""MATLAB-compatible bicubic imresize: kernel values, weights and outputs derivable by hand,
and the paper's bicubic Set5 numbers reproduced with the project's PSNR protocol."""

import pytest
import torch

from pixelforge.edit.restore import cubic, imresize, modcrop, quantize, resize_matrix
from pixelforge.images import read_image_uint8
from pixelforge.metrics.restoration import psnr


def test_cubic_kernel_matches_keys_with_a_minus_half():
    x = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, -0.5])
    # (1.5|x|^3 - 2.5|x|^2 + 1) on [0, 1]; (-0.5|x|^3 + 2.5|x|^2 - 4|x| + 2) on (1, 2]; 0 beyond
    expected = [1.0, 0.8671875, 0.5625, 0.2265625, 0.0, -0.0703125, -0.0625, -0.0234375, 0.0, 0.0, 0.5625]
    assert cubic(x).tolist() == expected


def test_upscale_by_two_weights_interior_row():
    # output pixel 4 (1-based) sits at u = 4/2 + 0.25 = 2.25: inputs 1..4 at distances 1.25, 0.25, 0.75, 1.75
    row = resize_matrix(8, 16, 2.0)[3]
    assert row[:4].tolist() == [-0.0703125, 0.8671875, 0.2265625, -0.0234375]
    assert row[4:].abs().sum() == 0


def test_upscale_border_mirrors_the_image():
    # output pixel 2 sits at u = 1.25; input 0 mirrors onto input 1, so their weights add up
    row = resize_matrix(8, 16, 2.0)[1]
    assert row[:3].tolist() == [-0.0703125 + 0.8671875, 0.2265625, -0.0234375]


def test_downscale_by_two_uses_the_stretched_antialiasing_kernel():
    # output pixel 3 (1-based) sits at u = 2 * 3 - 0.5 = 5.5; kernel 0.5 cubic(x / 2) over 8 inputs
    row = resize_matrix(16, 8, 0.5)[2]
    half = [0.43359375, 0.11328125, -0.03515625, -0.01171875]  # at distances 0.5, 1.5, 2.5, 3.5
    assert row[1:9].tolist() == half[::-1] + half
    assert row.sum().item() == pytest.approx(1.0, abs=1e-15)
    no_antialias = resize_matrix(16, 8, 0.5, antialias=False)[2]
    assert (no_antialias != 0).sum() == 4  # plain bicubic: 4 taps


def test_downscaled_ramp_lands_on_the_sample_positions():
    # the cubic kernel reproduces linear functions: away from the border, output i is the ramp at u_i
    ramp = torch.arange(24, dtype=torch.float64).repeat(24, 1)  # value = column index (0-based)
    small = imresize(ramp, 1 / 3)
    assert small.shape == (8, 8)
    positions = 3 * torch.arange(1, 9, dtype=torch.float64) - 1 - 1  # u = 3i - 1 (1-based) -> 0-based
    assert torch.allclose(small[:, 2:6], positions[2:6].expand(8, 4), atol=1e-12)


@pytest.mark.parametrize("scale", [1 / 4, 1 / 3, 1 / 2, 2, 3, 4])
def test_a_constant_image_stays_constant_and_sizes_follow_matlab(scale):
    image = torch.full((3, 13, 10), 117.0, dtype=torch.float64)
    out = imresize(image, scale)
    expected = {1 / 4: (4, 3), 1 / 3: (5, 4), 1 / 2: (7, 5), 2: (26, 20), 3: (39, 30), 4: (52, 40)}[scale]
    assert out.shape == (3, *expected)
    assert torch.allclose(out, torch.full_like(out, 117.0), atol=1e-9)


def test_quantize_rounds_half_away_from_zero_and_clips():
    values = torch.tensor([-3.0, 0.5, 1.5, 2.4999, 254.5, 300.0])
    assert quantize(values).tolist() == [0.0, 1.0, 2.0, 2.0, 255.0, 255.0]
    assert modcrop(torch.zeros(1, 13, 10), 3).shape == (1, 12, 9)


@pytest.mark.parametrize("scale, paper", [(2, 33.66), (4, 28.42)])
def test_bicubic_reproduces_the_papers_set5_numbers(shared_datasets, scale, paper):
    values = []
    for file in sorted((shared_datasets / "restoration" / "Set5").glob("*.png")):
        high = modcrop(read_image_uint8(file).double(), scale)
        up = quantize(imresize(quantize(imresize(high, 1 / scale)), scale))
        values.append(psnr(up, high, (0, 255), channel="y", border=scale)["value"])
    assert sum(values) / len(values) == pytest.approx(paper, abs=0.05)
