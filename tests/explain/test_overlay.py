"""Heatmap overlays: RGB images in [-1, 1]; alpha blends between the image and the colormap."""

import pytest
import torch

from pixelforge import ConfigError
from pixelforge.explain import colormap, heatmap_overlay
from pixelforge.explain.overlay import INFERNO


def test_overlay_shape_range_and_the_two_ends_of_alpha(test_images):
    images = test_images[0][:4]
    maps = torch.rand(4, 28, 28, generator=torch.Generator().manual_seed(0)) * 5
    overlay = heatmap_overlay(images, maps)
    assert overlay.shape == (4, 3, 28, 28)
    assert float(overlay.min()) >= -1.0 and float(overlay.max()) <= 1.0
    torch.testing.assert_close(heatmap_overlay(images, maps, alpha=0.0), images.expand(-1, 3, -1, -1))
    colours = heatmap_overlay(images, maps, alpha=1.0)
    lowest = (maps[0] == maps[0].min()).nonzero()[0]
    highest = (maps[0] == maps[0].max()).nonzero()[0]
    torch.testing.assert_close(colours[0, :, lowest[0], lowest[1]], INFERNO[0] * 2 - 1)
    torch.testing.assert_close(colours[0, :, highest[0], highest[1]], INFERNO[-1] * 2 - 1)


def test_colormap_interpolates_its_table_and_rgb_images_work():
    torch.testing.assert_close(colormap(torch.tensor([0.0, 0.5, 1.0])), INFERNO[[0, 2, 4]])
    torch.testing.assert_close(colormap(torch.tensor(0.125)), (INFERNO[0] + INFERNO[1]) / 2)
    rgb = torch.rand(2, 3, 8, 8) * 2 - 1
    assert heatmap_overlay(rgb, torch.zeros(2, 8, 8)).shape == (2, 3, 8, 8)


def test_mismatched_maps_and_bad_alpha_are_clear_errors():
    images = torch.zeros(2, 1, 8, 8)
    with pytest.raises(ConfigError, match="maps of shape"):
        heatmap_overlay(images, torch.zeros(2, 7, 8))
    with pytest.raises(ConfigError, match="alpha=1.5"):
        heatmap_overlay(images, torch.zeros(2, 8, 8), alpha=1.5)
