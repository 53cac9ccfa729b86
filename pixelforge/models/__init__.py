"""Model families. Importing this package registers every built-in model."""

from .base import GenerativeModel, ImageSpec, PixelforgeModel
from . import autoregressive, classifier, diffusion, gan, vae  # noqa: F401  (registers the models by decorator)

__all__ = ["GenerativeModel", "ImageSpec", "PixelforgeModel"]
