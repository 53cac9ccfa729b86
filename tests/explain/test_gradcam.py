"""Grad-CAM: maps in [0, 1] at the input size, and no hook left behind, even after an error."""

import pytest
import torch

from pixelforge import ConfigError
from pixelforge.explain import grad_cam


def test_grad_cam_gives_normalised_maps_and_removes_its_hook(classifier, test_images):
    images = test_images[0][:16]
    layer = classifier.blocks[-1]
    maps = grad_cam(classifier, images)
    assert maps.shape == (16, 28, 28) and bool(torch.isfinite(maps).all())
    assert float(maps.min()) >= 0.0 and float(maps.max()) <= 1.0
    peaks = maps.flatten(1).amax(1)
    assert bool(((peaks - 1).abs() < 1e-6).logical_or(peaks == 0).all())  # each map divided by its maximum
    assert len(layer._forward_hooks) == 0


def test_another_layer_and_another_class_give_another_map(classifier, test_images):
    images = test_images[0][:4]
    first_block = classifier.blocks[0]
    early = grad_cam(classifier, images, layer=first_block)
    assert early.shape == (4, 28, 28) and len(first_block._forward_hooks) == 0
    predicted = classifier.predict(images)
    other = grad_cam(classifier, images, target=(predicted + 1) % 10)
    assert not torch.allclose(grad_cam(classifier, images), other)


def test_the_hook_is_removed_when_the_target_is_invalid(classifier, test_images):
    with pytest.raises(ConfigError, match="expected integers"):
        grad_cam(classifier, test_images[0][:2], target=-1)
    assert len(classifier.blocks[-1]._forward_hooks) == 0
