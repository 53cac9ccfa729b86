"""GANConfig: one frozen dataclass for every GAN variant (DCGAN, WGAN-GP, SNGAN, conditional)."""

from __future__ import annotations

import dataclasses

from ...errors import ConfigError
from ..base import ImageSpec
from .diffaugment import POLICIES

ARCHITECTURES = ("dcgan", "resnet")
LOSSES = ("nonsaturating", "wasserstein", "hinge")
D_NORMS = ("auto", "batch", "layer", "none")


@dataclasses.dataclass(frozen=True)
class GANConfig(ImageSpec):
    latent_dim: int = 128
    architecture: str = "dcgan"        # "dcgan": (transposed) strided convs; "resnet": SNGAN's residual blocks
    width: int = 64                    # channels at the highest resolution (doubling towards the lowest)
    loss: str = "nonsaturating"        # "nonsaturating" (DCGAN), "wasserstein" (WGAN), "hinge" (SNGAN)
    spectral_norm: bool = False        # spectral normalization on every discriminator layer (Miyato et al. 2018)
    gradient_penalty: float = 0.0      # weight of the WGAN-GP penalty (Gulrajani et al. 2017); 0 = off
    n_critic: int = 1                  # discriminator steps per generator step
    d_norm: str = "auto"               # discriminator normalization; auto: batch for plain DCGAN, none with SN/GP
    lr_generator: float = 2e-4         # two time-scale update rule (Heusel et al. 2017): separate learning rates
    lr_discriminator: float = 2e-4
    beta1: float = 0.5                 # Adam betas of both optimizers
    beta2: float = 0.999
    diffaugment: str = ""              # DiffAugment policy (Zhao et al. 2020), e.g. "color,translation,cutout"
    reuse_fake: bool = True            # with n_critic=1, the generator step reuses the discriminator step's fakes
    truncation: float = 0.0            # default sampling truncation |z| <= t (0 = none)

    def __post_init__(self) -> None:
        self.check()
        for field, allowed in (("architecture", ARCHITECTURES), ("loss", LOSSES), ("d_norm", D_NORMS)):
            if getattr(self, field) not in allowed:
                raise ConfigError(f"{field}={getattr(self, field)!r}: expected one of {allowed}")
        for field in ("latent_dim", "width", "n_critic"):
            if getattr(self, field) < 1:
                raise ConfigError(f"{field}={getattr(self, field)}: expected a positive integer")
        for field in ("lr_generator", "lr_discriminator"):
            if not getattr(self, field) > 0:
                raise ConfigError(f"{field}={getattr(self, field)}: expected a positive number")
        for field in ("beta1", "beta2"):
            if not 0 <= getattr(self, field) < 1:
                raise ConfigError(f"{field}={getattr(self, field)}: expected a number in [0, 1)")
        if self.gradient_penalty < 0 or self.truncation < 0:
            raise ConfigError("gradient_penalty and truncation must be >= 0")
        unknown = [p for p in self.policies if p not in POLICIES]
        if unknown:
            raise ConfigError(f"diffaugment={self.diffaugment!r}: unknown {unknown}; expected a comma-separated "
                              f"subset of {POLICIES}")
        stem_size(self.image_size)  # raises for sizes the architectures cannot build

    @property
    def policies(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.diffaugment.split(",") if p.strip())

    @property
    def discriminator_norm(self) -> str:
        if self.d_norm != "auto":
            return self.d_norm
        return "none" if self.spectral_norm or self.gradient_penalty > 0 else "batch"


def stem_size(image_size: int) -> tuple[int, int]:
    """(s, k) with image_size = s * 2**k and 4 <= s <= 7: the generator starts at s×s and doubles k times."""
    size, doublings = image_size, 0
    while size > 7 and size % 2 == 0:
        size, doublings = size // 2, doublings + 1
    if not 4 <= size <= 7 or doublings == 0:
        raise ConfigError(f"image_size={image_size}: GANs need a size of the form s * 2^k with 4 <= s <= 7 and "
                          f"k >= 1 (e.g. 28, 32, 48, 64)")
    return size, doublings
