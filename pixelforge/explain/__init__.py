"""Explanations: why a classifier decided, what a likelihood model finds surprising, what a sample copies.

    from pixelforge.explain import grad_cam, heatmap_overlay, saliency_map
    maps = grad_cam(classifier, images)                  # (B, H, W) in [0, 1]
    save_image_grid(heatmap_overlay(images, maps), "gradcam.png")

`saliency_map` (Simonyan et al. 2014, optional SmoothGrad), `grad_cam` (Selvaraju
et al. 2017), `nearest_neighbours` / `neighbour_grid` (memorization checks),
`pixel_nll_map` (models with `pixel_log_prob`), `heatmap_overlay`, and
`explain_to_file`, which does it all from a checkpoint for the CLI.
"""

from .files import METHODS, default_output, explain_to_file
from .gradcam import grad_cam
from .likelihood import pixel_nll_map
from .neighbours import nearest_neighbours, neighbour_grid
from .overlay import colormap, heatmap_overlay, normalise_maps
from .saliency import saliency_map

__all__ = [
    "METHODS", "default_output", "explain_to_file", "grad_cam", "pixel_nll_map", "nearest_neighbours", "neighbour_grid",
    "colormap", "heatmap_overlay", "normalise_maps", "saliency_map",
]
