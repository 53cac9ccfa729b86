"""DiffusionConfig: one frozen dataclass for the process, the U-Net and the default sampler."""

from __future__ import annotations

import dataclasses

from ...errors import ConfigError
from ..base import ImageSpec

SCHEDULES = ("linear", "cosine")
PREDICTIONS = ("epsilon", "v")
VARIANCES = ("beta", "posterior")
SAMPLERS = ("ddpm", "ddim", "dpm++")


@dataclasses.dataclass(frozen=True)
class DiffusionConfig(ImageSpec):
    # --- the diffusion process (Ho et al. 2020) ---------------------------------------------------
    num_timesteps: int = 1000          # T
    schedule: str = "linear"           # "linear" (Ho et al. 2020) or "cosine" (Nichol & Dhariwal 2021)
    prediction: str = "epsilon"        # the network predicts the noise ("epsilon") or v (Salimans & Ho 2022)
    variance: str = "beta"             # reverse-step variance: beta_t, or the posterior's beta~_t
    # --- the U-Net ----------------------------------------------------------------------------------
    width: int = 32                    # channels at full resolution (64 or 128 for the benchmarks)
    channel_multipliers: str = "1,2,2"  # one level per entry; the image is halved between levels
    blocks_per_level: int = 2          # residual blocks per level (the decoder has one more)
    attention_below: int = 8           # self-attention at every level whose feature map is <= this size
    dropout: float = 0.1
    # --- classifier-free guidance (Ho & Salimans 2022), conditional models only ---------------------
    label_dropout: float = 0.1         # training: a label is replaced by the null class with this probability
    guidance_scale: float = 1.0        # sampling: eps_null + scale·(eps_label - eps_null); 1 = plain conditional
    # --- defaults of sample() and log_prob() --------------------------------------------------------
    sampler: str = "ddim"              # "ddpm" (ancestral), "ddim" (Song et al. 2021) or "dpm++" (DPM-Solver++(2M))
    sampling_steps: int = 25           # steps of the default sampler (at most num_timesteps)
    eta: float = 0.0                   # DDIM noise: 0 deterministic, 1 ancestral-like
    bound_timesteps: int = 0           # KL terms evaluated by log_prob: 0 = all T (exact bound), K = unbiased estimate

    def __post_init__(self) -> None:
        self.check()
        for field, allowed in (("schedule", SCHEDULES), ("prediction", PREDICTIONS), ("variance", VARIANCES),
                               ("sampler", SAMPLERS)):
            if getattr(self, field) not in allowed:
                raise ConfigError(f"{field}={getattr(self, field)!r}: expected one of {allowed}")
        for field in ("num_timesteps", "width", "blocks_per_level", "sampling_steps"):
            if getattr(self, field) < 1:
                raise ConfigError(f"{field}={getattr(self, field)}: expected a positive integer")
        if self.num_timesteps < 2:
            raise ConfigError(f"num_timesteps={self.num_timesteps}: expected at least 2")
        if self.sampling_steps > self.num_timesteps:
            raise ConfigError(f"sampling_steps={self.sampling_steps}: expected at most num_timesteps="
                              f"{self.num_timesteps}")
        if not 0 <= self.bound_timesteps < self.num_timesteps:
            raise ConfigError(f"bound_timesteps={self.bound_timesteps}: expected 0 (all) or 1..{self.num_timesteps - 1}")
        for field in ("dropout", "label_dropout"):
            if not 0 <= getattr(self, field) < 1:
                raise ConfigError(f"{field}={getattr(self, field)}: expected a number in [0, 1)")
        if self.eta < 0 or self.guidance_scale < 0:
            raise ConfigError(f"eta={self.eta}, guidance_scale={self.guidance_scale}: expected numbers >= 0")
        multipliers = self.multipliers  # raises for a malformed list
        if self.image_size % 2 ** (len(multipliers) - 1):
            raise ConfigError(f"image_size={self.image_size} with channel_multipliers={self.channel_multipliers!r}: "
                              f"the size must halve evenly {len(multipliers) - 1} times (e.g. 28 with 3 levels, "
                              f"32 with 4)")

    @property
    def multipliers(self) -> tuple[int, ...]:
        try:
            values = tuple(int(part) for part in self.channel_multipliers.split(","))
        except ValueError:
            values = ()
        if not values or min(values) < 1:
            raise ConfigError(f"channel_multipliers={self.channel_multipliers!r}: expected comma-separated "
                              f"positive integers, e.g. '1,2,2'")
        return values
