"""GAN family: DCGAN, WGAN-GP, SNGAN and their class-conditional variants (one GAN class, configured)."""

from __future__ import annotations

from ...registry import register_model
from .config import GANConfig
from .model import GAN


@register_model
def dcgan(**overrides) -> GAN:
    """DCGAN (Radford et al. 2016): non-saturating loss, BatchNorm, Adam(2e-4, 0.5)."""
    return GAN(GANConfig(**overrides))


@register_model
def wgan_gp(**overrides) -> GAN:
    """WGAN-GP (Gulrajani et al. 2017): Wasserstein critic with gradient penalty 10, n_critic 5, Adam(1e-4, 0, 0.9)."""
    defaults = {"loss": "wasserstein", "gradient_penalty": 10.0, "n_critic": 5, "lr_generator": 1e-4,
                "lr_discriminator": 1e-4, "beta1": 0.0, "beta2": 0.9}
    return GAN(GANConfig(**{**defaults, **overrides}))


@register_model
def sngan(**overrides) -> GAN:
    """SNGAN (Miyato et al. 2018): ResNet G/D, spectral norm on D, hinge loss, Adam(2e-4, 0, 0.9),
    5 discriminator steps per generator step (with 1, the discriminator went blind on CIFAR-10)."""
    defaults = {"architecture": "resnet", "loss": "hinge", "spectral_norm": True, "beta1": 0.0, "beta2": 0.9,
                "n_critic": 5}
    return GAN(GANConfig(**{**defaults, **overrides}))


@register_model
def conditional_dcgan(**overrides) -> GAN:
    """Class-conditional DCGAN: class embedding concatenated to z in G; projection discriminator with
    spectral norm and hinge loss (as Miyato & Koyama 2018 pair them). With the plain non-saturating,
    BatchNorm discriminator the generator learned to ignore z on MNIST (one image per class)."""
    defaults = {"num_classes": 10, "loss": "hinge", "spectral_norm": True, "beta1": 0.0, "beta2": 0.9}
    return GAN(GANConfig(**{**defaults, **overrides}))


@register_model
def conditional_sngan(**overrides) -> GAN:
    """Class-conditional SNGAN (Miyato & Koyama 2018): conditional BatchNorm in G, projection D, hinge,
    Adam(2e-4, 0, 0.9), 5 discriminator steps per generator step."""
    defaults = {"num_classes": 10, "architecture": "resnet", "loss": "hinge", "spectral_norm": True,
                "beta1": 0.0, "beta2": 0.9, "n_critic": 5}
    return GAN(GANConfig(**{**defaults, **overrides}))


__all__ = ["GAN", "GANConfig"]
