"""Diffusion family: DDPM (Ho et al. 2020) with DDIM sampling, v-prediction and classifier-free guidance.

One DiffusionModel class, configured by DiffusionConfig; the process, samplers and bound are
plain functions in process.py, samplers.py and bound.py.
"""

from __future__ import annotations

from ...registry import register_model
from .config import DiffusionConfig
from .model import DiffusionModel


@register_model
def ddpm(**overrides) -> DiffusionModel:
    """DDPM (Ho et al. 2020): eps-prediction, linear schedule, T=1000; U-Net 32-64-64 with attention at <= 8x8."""
    return DiffusionModel(DiffusionConfig(**overrides))


@register_model
def improved_ddpm(**overrides) -> DiffusionModel:
    """DDPM with the cosine schedule (Nichol & Dhariwal 2021) and v-prediction (Salimans & Ho 2022)."""
    return DiffusionModel(DiffusionConfig(**{"schedule": "cosine", "prediction": "v", **overrides}))


@register_model
def conditional_ddpm(**overrides) -> DiffusionModel:
    """Class-conditional DDPM with classifier-free guidance (Ho & Salimans 2022): label dropout 0.1, scale 3."""
    return DiffusionModel(DiffusionConfig(**{"num_classes": 10, "guidance_scale": 3.0, **overrides}))


__all__ = ["DiffusionConfig", "DiffusionModel"]
