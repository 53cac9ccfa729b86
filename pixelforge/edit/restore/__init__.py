"""Super-resolution and denoising with small shipped networks, and the MATLAB-compatible
bicubic resize that the papers' protocol needs.

    from pixelforge.edit import superres, denoise
    big = superres(Image.open("photo.png"), scale=3)     # PIL / numpy / tensor in, the same kind out
    fast = superres(image, scale=2, network="espcn")     # about 15x cheaper than the default EDSR
    clean = denoise(noisy_array, sigma=25)               # sigma optional (estimated when not given)
"""

from .denoise import denoise, denoise_tensor, estimate_sigma
from .files import denoise_file, superres_file
from .resize import cubic, imresize, modcrop, quantize, resize_matrix
from .superres import SCALES, superres, superres_tensor

__all__ = ["superres", "superres_tensor", "denoise", "denoise_tensor", "estimate_sigma", "superres_file",
           "denoise_file", "imresize", "quantize", "modcrop", "cubic", "resize_matrix", "SCALES"]
