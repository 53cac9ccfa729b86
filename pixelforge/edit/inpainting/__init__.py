"""Inpainting: fill the hole of an image (mask white / True = fill), keeping known pixels exactly.

    from pixelforge.edit import inpaint
    from pixelforge.edit.inpainting import generate_mask, read_mask
    hole = generate_mask(512, 768, kind="free-form", coverage=(0.2, 0.3), seed=0)
    filled = inpaint(image, hole)                        # learned gated-conv U-Net (shipped weights)
    filled = inpaint(image, hole, method="biharmonic")   # or telea | navier-stokes
    filled = inpaint(image, hole, method="inversion", model=gan)   # diffusion | autoregressive | inversion

masks.py: reading and generating masks; classical.py: OpenCV / scikit-image baselines; learned.py:
the network's weights; api.py: `inpaint`; files.py: the CLI's file layer.
"""

from .api import METHODS, inpaint
from .classical import CLASSICAL_METHODS
from .files import inpaint_file
from .learned import SHIPPED_WEIGHTS, inpaint_learned, load_inpainting_model, save_inpainting_model
from .masks import MASK_KINDS, coverage_of, generate_mask, read_mask, save_mask

__all__ = ["METHODS", "CLASSICAL_METHODS", "MASK_KINDS", "inpaint", "inpaint_file", "inpaint_learned",
           "load_inpainting_model", "save_inpainting_model", "SHIPPED_WEIGHTS", "generate_mask", "read_mask",
           "save_mask", "coverage_of"]
