"""Geometric self-ensemble: every transform is undone on the output before the mean."""

import torch

from pixelforge.edit.restore.ensemble import self_ensemble


def test_an_equivariant_function_is_unchanged_and_an_upscaler_keeps_its_shape():
    image = torch.rand(2, 1, 7, 9, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(self_ensemble(lambda x: 3 * x - 1, image), 3 * image - 1, atol=1e-6)
    upscaled = self_ensemble(lambda x: x.repeat_interleave(3, -1).repeat_interleave(3, -2), image)
    assert torch.allclose(upscaled, image.repeat_interleave(3, -1).repeat_interleave(3, -2), atol=1e-6)


def test_a_position_dependent_function_is_averaged_over_the_eight_orientations():
    size = 6
    image = torch.rand(1, 1, size, size, generator=torch.Generator().manual_seed(1))
    ramp = torch.arange(size, dtype=image.dtype)  # adds the column index: not rotation-equivariant
    result = self_ensemble(lambda x: x + ramp, image)
    # the undone ramps are j, N-1-j, i and N-1-i, twice each: their mean is (N - 1) / 2 everywhere
    assert torch.allclose(result, image + (size - 1) / 2, atol=1e-6)
