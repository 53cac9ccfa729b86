"""Automatic colorization of gray images (Lab: the network predicts a, b; L is the input's).

    from pixelforge.edit.colorize import load_colorizer, colorize
    rgb = colorize(load_colorizer(), gray)       # (B, 1 or 3, H, W) in [-1, 1] -> (B, 3, H, W)
"""

from .colorize import SHIPPED_COLORIZER, colorize, colorize_file, load_colorizer, to_lightness
from .lab import lab_to_rgb, rgb_to_lab
from .quality import colourfulness

__all__ = ["SHIPPED_COLORIZER", "colorize", "colorize_file", "load_colorizer", "to_lightness",
           "lab_to_rgb", "rgb_to_lab", "colourfulness"]
