"""DiffusionModel: a U-Net, a noise schedule and the samplers behind the GenerativeModel interface.

The process (process.py), the samplers (samplers.py) and the bound (bound.py) are plain
functions of alpha-bar and a denoiser; this class only owns the network and turns it into a
denoiser, with classifier-free guidance for conditional models.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ...errors import ConfigError
from ..base import GenerativeModel
from .bound import BoundTerms, variational_bound
from .config import SAMPLERS, DiffusionConfig
from .process import Denoiser, at, denoising_loss, q_sample, sample_timesteps, split_prediction
from .samplers import ddim_sample, ddpm_sample, dpm_solver_sample, log_snr_timesteps, timestep_sequence
from .schedule import alphas_cumprod, make_betas
from .unet import UNet


def reverse_variances(betas: Tensor, alpha_bar: Tensor, kind: str) -> Tensor:
    """The variance of p(x_{t-1} | x_t) at each index (T,): beta_t, or the posterior's
    beta~_t = beta_t (1 - ab_{t-1}) / (1 - ab_t). Index 0 takes beta~ at index 1 for both, as
    beta~_0 is 0 and a zero-width decoder would give no likelihood (Nichol & Dhariwal 2021)."""
    previous = torch.cat([torch.ones(1, dtype=alpha_bar.dtype), alpha_bar[:-1]])
    posterior_variance = betas * (1 - previous) / (1 - alpha_bar)
    variances = betas.clone() if kind == "beta" else posterior_variance.clone()
    variances[0] = posterior_variance[1]
    return variances


class DiffusionModel(GenerativeModel):
    """DDPM over images (B, C, S, S) in [-1, 1]; class-conditional with guidance when num_classes > 0."""

    def __init__(self, config: DiffusionConfig) -> None:
        super().__init__(config)
        self.network = UNet(config)
        betas = make_betas(config.schedule, config.num_timesteps)
        alpha_bar = alphas_cumprod(betas)
        # Not weights: rebuilt from the config, so they stay out of checkpoints and EMA (float64, see schedule.py).
        self.register_buffer("betas", betas, persistent=False)
        self.register_buffer("alpha_bar", alpha_bar, persistent=False)
        self.register_buffer("model_variance", reverse_variances(betas, alpha_bar, config.variance), persistent=False)

    @property
    def num_timesteps(self) -> int:
        return self.config.num_timesteps

    # --- training -------------------------------------------------------------------------
    def forward(self, x: Tensor, y: Tensor | None = None, objective: str = "loss",
                generator: torch.Generator | None = None) -> Tensor:
        """L_simple (Ho et al. 2020, eq. 14) for a uniform t per image, a scalar."""
        self.check_input(x, y)
        t = sample_timesteps(x.shape[0], self.num_timesteps, generator, x.device)
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        x_t = q_sample(self.alpha_bar, x, t, noise)
        labels = self._drop_labels(y, generator) if self.training else y
        output = self.network(x_t, t, labels, generator)
        return denoising_loss(output, x, noise, at(self.alpha_bar, t, x), self.config.prediction)

    def _drop_labels(self, y: Tensor | None, generator: torch.Generator | None) -> Tensor | None:
        """Replace each label by the null class with probability label_dropout (Ho & Salimans 2022, alg. 1)."""
        if y is None or not self.config.num_classes or self.config.label_dropout == 0:
            return y
        drop = torch.rand(y.shape, generator=generator, device=y.device) < self.config.label_dropout
        return torch.where(drop, torch.full_like(y, self.config.num_classes), y)

    # --- the denoiser ---------------------------------------------------------------------
    def denoiser(self, y: Tensor | None = None, guidance_scale: float | None = None) -> Denoiser:
        """(x_t, t) -> (x0_hat, eps_hat). Conditional models: labels y (B,), None for the null class;
        with a guidance scale s != 1 the output is out_null + s·(out_label - out_null)."""
        scale = self.config.guidance_scale if guidance_scale is None else guidance_scale
        if scale < 0:
            raise ConfigError(f"guidance_scale={scale}: expected a number >= 0")
        if y is not None and not self.config.num_classes:
            raise ConfigError("the model is unconditional: it takes no class labels")
        guided = y is not None and scale != 1

        def denoise(x_t: Tensor, t: Tensor) -> Tensor:
            if guided:
                both = self.network(torch.cat([x_t, x_t]), torch.cat([t, t]),
                                    torch.cat([y, torch.full_like(y, self.config.num_classes)]))
                with_label, without = both.chunk(2)
                output = without + scale * (with_label - without)
            else:
                output = self.network(x_t, t, y)
            return split_prediction(output, x_t, at(self.alpha_bar, t, x_t), self.config.prediction)

        return denoise

    def labels_for(self, num_samples: int, y: Tensor | None) -> Tensor | None:
        """`y`, or classes 0, 1, ... cycled for a conditional model given none."""
        if self.config.num_classes and y is None:
            return torch.arange(num_samples, device=self.device) % self.config.num_classes
        return y

    # --- generation -----------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, num_samples: int, y: Tensor | None = None, generator: torch.Generator | None = None,
               sampler: str | None = None, steps: int | None = None, eta: float | None = None,
               guidance_scale: float | None = None) -> Tensor:
        """Images (N, C, S, S) in [-1, 1]. Defaults from the config: `sampler` "ddpm" (ancestral), "ddim"
        or "dpm++" (DPM-Solver++(2M) on log-SNR-even timesteps: good images in 10-20 steps), `steps`
        timesteps (fewer than T: a respaced chain), DDIM `eta`, `guidance_scale`."""
        sampler = sampler or self.config.sampler
        if sampler not in SAMPLERS:
            raise ConfigError(f"sampler={sampler!r}: expected one of {SAMPLERS}")
        eta = self.config.eta if eta is None else eta
        if eta < 0:
            raise ConfigError(f"eta={eta}: expected a number >= 0")
        steps = steps or self.config.sampling_steps
        timesteps = (log_snr_timesteps(self.alpha_bar, steps) if sampler == "dpm++"
                     else timestep_sequence(self.num_timesteps, steps))
        shape = (num_samples, self.config.channels, self.config.image_size, self.config.image_size)
        x_t = torch.randn(shape, generator=generator, device=self.device)
        denoise = self.denoiser(self.labels_for(num_samples, y), guidance_scale)
        if sampler == "ddpm":
            x = ddpm_sample(denoise, self.alpha_bar, timesteps, x_t, generator, self.config.variance)
        elif sampler == "dpm++":
            x = dpm_solver_sample(denoise, self.alpha_bar, timesteps, x_t)
        else:
            x = ddim_sample(denoise, self.alpha_bar, timesteps, x_t, eta, generator)
        return x.clamp(-1, 1)

    # --- likelihood -----------------------------------------------------------------------
    @torch.no_grad()
    def bound_terms(self, x: Tensor, y: Tensor | None = None, generator: torch.Generator | None = None,
                    timesteps: int | None = None) -> BoundTerms:
        """The variational bound's terms per image in nats (see bound.py); x on the 8-bit grid."""
        self.check_input(x, y)
        count = self.config.bound_timesteps if timesteps is None else timesteps
        if not 0 <= count < self.num_timesteps:
            raise ConfigError(f"timesteps={count}: expected 0 (all) or 1..{self.num_timesteps - 1}")
        return variational_bound(self.denoiser(y, guidance_scale=1.0), self.alpha_bar, self.model_variance,
                                 x.float(), generator, count)

    @torch.no_grad()
    def log_prob(self, x: Tensor, y: Tensor | None = None, generator: torch.Generator | None = None,
                 num_samples: int | None = None, timesteps: int | None = None) -> Tensor:
        """A lower bound on log p(x) in nats per image (B,): minus the variational bound."""
        if num_samples is not None:
            raise ConfigError("a diffusion model's bound takes no importance samples: leave out "
                              "--importance-samples (its KL terms are set by bound_timesteps)")
        return -self.bound_terms(x, y, generator, timesteps).total

    def likelihood_estimator(self, timesteps: int | None = None) -> str:
        """How log_prob estimates the likelihood, for the evaluation protocol."""
        count = self.config.bound_timesteps if timesteps is None else timesteps
        terms = (f"all {self.num_timesteps - 1} KL terms" if count == 0 else
                 f"a stratified estimate of the {self.num_timesteps - 1} KL terms from {count} timesteps")
        return (f"variational bound (Ho et al. 2020, eq. 5; an upper bound on the NLL): L_T + {terms}, one "
                f"x_t draw each, + L_0 = discretized Gaussian decoder on 256 bins; T={self.num_timesteps}, "
                f"{self.config.schedule} schedule, reverse variance {self.config.variance}, x0_hat clipped to [-1, 1]")
