"""Model families. Importing this package registers every built-in model."""

from .base import GenerativeModel, ImageSpec
from . import vae  # noqa: F401  (registers vae, beta_vae, conditional_vae)

__all__ = ["GenerativeModel", "ImageSpec"]
