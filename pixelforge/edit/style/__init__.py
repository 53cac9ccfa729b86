"""Neural style transfer on Inception-v3 features (the one ImageNet network available offline).

    from pixelforge.edit.style import stylize_optimize, load_style_network, stylize_fast
    result = stylize_optimize(photo, painting, steps=300)    # Gatys et al. 2016: optimize the pixels
    fast = stylize_fast(load_style_network("starry_night"), photo)   # Johnson et al. 2016: one forward pass

Images are (B, C, H, W) in [-1, 1]; C = 1 inputs are read as RGB with R = G = B, outputs are RGB.
"""

from .fast import load_style_network, shipped_styles, stylize_fast
from .files import read_with_alpha, save_with_alpha, stylize_file
from .loss import PerceptualConfig, PerceptualLoss, gram_matrix, total_variation
from .optimize import StyleResult, resize_long_side, stylize_optimize

__all__ = ["load_style_network", "shipped_styles", "stylize_fast", 
           "read_with_alpha", "save_with_alpha", "stylize_file", "PerceptualConfig", "PerceptualLoss",
           "gram_matrix", "total_variation", "StyleResult", "resize_long_side", "stylize_optimize"]
