"""Perceptual feature maps from the offline FID Inception-v3 at chosen blocks, any input size."""

import pytest
import torch

from pixelforge.errors import ConfigError, DataError
from pixelforge.metrics.perceptual import perceptual_features, perceptual_loss


def test_feature_maps_at_chosen_blocks_for_a_small_crop_and_gray_input():
    images = torch.rand(2, 1, 64, 80) * 2 - 1
    maps = perceptual_features(images, ("Conv2d_2b_3x3", "Mixed_5b"))
    assert set(maps) == {"Conv2d_2b_3x3", "Mixed_5b"}
    assert maps["Conv2d_2b_3x3"].shape == (2, 64, 29, 37)
    assert maps["Mixed_5b"].shape[:2] == (2, 256)
    same = perceptual_features(images.expand(-1, 3, -1, -1), ("Conv2d_2b_3x3",))["Conv2d_2b_3x3"]
    assert torch.equal(same, maps["Conv2d_2b_3x3"])


def test_loss_is_zero_for_equal_images_and_gives_gradients_to_the_output():
    target = torch.rand(2, 3, 64, 64) * 2 - 1
    assert perceptual_loss(target, target).item() == 0.0
    output = (target + 0.2 * torch.randn_like(target)).clamp(-1, 1).requires_grad_()
    loss = perceptual_loss(output, target)
    loss.backward()
    assert loss.item() > 0 and output.grad.abs().sum() > 0


def test_unknown_block_and_too_small_input_are_clear_errors():
    with pytest.raises(ConfigError, match="blocks"):
        perceptual_features(torch.zeros(1, 3, 64, 64), ("conv9",))
    with pytest.raises(DataError, match="too small"):
        perceptual_features(torch.zeros(1, 3, 20, 20), ("Mixed_5b",))
