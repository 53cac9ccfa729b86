"""Editing operations: functions over trained models.

Latent editing (GANs, and VAEs through their decoder):

    from pixelforge.edit import interpolation_strip, class_grid, find_attribute_vector, invert, edit_image
    from pixelforge.metrics.domain import shipped_classifier
    model = pixelforge.load("runs/dcgan")
    strip = interpolation_strip(model, num_pairs=4, steps=8)            # (32, C, S, S), save with nrow=8
    result = invert(model, image)                                       # latents, reconstructions, mse
    digit = find_attribute_vector(model, shipped_classifier("mnist"), class_a=1, class_b=7)
    edited, _ = edit_image(model, image, digit.vector, strengths=[0, 0.5, 1, 1.5])

Completion with autoregressive models (see completion.py; `model.complete` does the sampling):

    grid = complete_file(model, "digit.png", "completed.png", occlude="bottom-half", num_completions=8)

Style transfer (see style/): `stylize_optimize(photo, painting)` (Gatys et al., on Inception-v3
features) and `stylize_fast(load_style_network("starry_night"), photo)` (Johnson et al.); colorization
(see colorize/): `pixelforge.edit.colorize.colorize(load_colorizer(), gray)` predicts Lab chroma.

Diffusion editing (see diffusion.py): repaint (RePaint inpainting), img2img (SDEdit), invert_to_noise /
decode_noise (DDIM inversion) and interpolate_images (slerp between two inverted images).

Inpainting through every family (see inpaint/): `inpaint(image, hole, method="learned" | "telea" |
"navier-stokes" | "biharmonic" | "diffusion" | "autoregressive", model=None)`; hole True = fill.
"""

from .diffusion import decode_noise, img2img, interpolate_images, invert_to_noise, repaint
from .diffusion_files import img2img_file, interpolate_files
from .diffusion_files import inpaint_file as repaint_file
from .inpainting import generate_mask, inpaint, read_mask
from .completion import OCCLUSIONS, complete_file, completion_grid, occlusion_mask, read_known_mask
from .files import InvertedFile, invert_file, latent_path, load_image_for_model
from .inversion import InversionResult, edit_image, invert
from .latent import (FoundAttribute, apply_attribute, attribute_vector, class_grid, find_attribute_vector,
                     interpolate, interpolation_latents, interpolation_strip, lerp, shifted_latents, slerp)
from .space import decode, random_latents
from .style import load_style_network, stylize_fast, stylize_file, stylize_optimize
from .colorize import colorize_file, load_colorizer
from .restore import denoise, superres

__all__ = [
    "lerp", "slerp", "interpolate", "interpolation_latents", "interpolation_strip", "class_grid",
    "attribute_vector", "shifted_latents", "apply_attribute", "FoundAttribute", "find_attribute_vector",
    "InversionResult", "invert", "edit_image", "InvertedFile", "invert_file", "latent_path",
    "load_image_for_model", "decode", "random_latents",
    "OCCLUSIONS", "complete_file", "completion_grid", "occlusion_mask", "read_known_mask",
    "repaint", "img2img", "invert_to_noise", "decode_noise", "interpolate_images", "repaint_file", "img2img_file",
    "interpolate_files", "inpaint", "generate_mask", "read_mask",
    "stylize_optimize", "stylize_fast", "stylize_file", "load_style_network", "colorize_file", "load_colorizer",
    "superres", "denoise",
]
