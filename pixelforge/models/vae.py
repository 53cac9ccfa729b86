"""Variational autoencoders: VAE, β-VAE and conditional VAE (Kingma & Welling 2014).

The encoder q(z|x) is a diagonal Gaussian; the prior p(z) is N(0, I); the
decoder p(x|z) is per-pixel Bernoulli (binarized data), or a discretized
logistic or Gaussian over 256 bins (8-bit gray or colour). `log_prob` is the
importance-weighted bound of Burda et al. 2015 (eq. 8), which tightens towards
log p(x) as the number of samples k grows.
"""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import Tensor, nn

from ..errors import ConfigError
from ..registry import register_model
from .base import GenerativeModel, ImageSpec
from .layers import ResidualBlock
from .likelihoods import (bernoulli_log_prob, discretized_gaussian_log_prob,
                          discretized_logistic_log_prob)

LIKELIHOODS = ("bernoulli", "logistic", "gaussian")
ARCHITECTURES = ("conv", "mlp")


@dataclasses.dataclass(frozen=True)
class VAEConfig(ImageSpec):
    latent_dim: int = 32
    width: int = 32                 # channels of the first conv level, or hidden units / 16 for the MLP
    architecture: str = "conv"      # "conv": strided convs with residual blocks; "mlp": two hidden layers
    likelihood: str = "bernoulli"   # p(x|z): "bernoulli" (binarized), "logistic" or "gaussian" (8-bit)
    beta: float = 1.0               # weight of the KL term in training (Higgins et al. 2017); 1 = plain VAE
    label_embedding_dim: int = 16   # conditional VAE only (num_classes > 0)
    importance_samples: int = 1000  # k of the importance-weighted bound used by log_prob

    def __post_init__(self) -> None:
        self.check()
        if self.likelihood not in LIKELIHOODS:
            raise ConfigError(f"likelihood={self.likelihood!r}: expected one of {LIKELIHOODS}")
        if self.architecture not in ARCHITECTURES:
            raise ConfigError(f"architecture={self.architecture!r}: expected one of {ARCHITECTURES}")
        for field in ("latent_dim", "width", "importance_samples", "label_embedding_dim"):
            if getattr(self, field) < 1:
                raise ConfigError(f"{field}={getattr(self, field)}: expected a positive integer")
        if not self.beta > 0:
            raise ConfigError(f"beta={self.beta}: expected a positive number")


def _conv_levels(image_size: int, width: int) -> list[int]:
    """Channel widths per resolution level: halve the size until it is <= 8 (or odd)."""
    widths, size = [width], image_size
    while size > 8 and size % 2 == 0:
        size //= 2
        widths.append(min(widths[-1] * 2, width * 4))
    return widths


class ConvEncoder(nn.Module):
    """x (B, C, S, S) -> features (B, F): strided 4×4 convs with a residual block per level."""

    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        widths = _conv_levels(config.image_size, config.width)
        layers: list[nn.Module] = [nn.Conv2d(config.channels, widths[0], 3, padding=1)]
        for w_in, w_out in zip(widths[:-1], widths[1:]):
            layers += [ResidualBlock(w_in), nn.SiLU(), nn.Conv2d(w_in, w_out, 4, stride=2, padding=1)]
        layers += [nn.SiLU(), nn.Flatten()]
        self.net = nn.Sequential(*layers)
        bottom = config.image_size // 2 ** (len(widths) - 1)
        self.num_features = widths[-1] * bottom * bottom

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class ConvDecoder(nn.Module):
    """z (B, Z') -> pixel parameters (B, P, S, S): the encoder mirrored with transposed convs."""

    def __init__(self, config: VAEConfig, input_dim: int, out_channels: int) -> None:
        super().__init__()
        widths = _conv_levels(config.image_size, config.width)
        self.bottom = config.image_size // 2 ** (len(widths) - 1)
        self.bottom_channels = widths[-1]
        self.project = nn.Linear(input_dim, widths[-1] * self.bottom**2)
        layers: list[nn.Module] = []
        for w_in, w_out in zip(widths[:0:-1], widths[-2::-1]):
            layers += [nn.SiLU(), nn.ConvTranspose2d(w_in, w_out, 4, stride=2, padding=1)]
        layers += [nn.SiLU(), nn.Conv2d(widths[0], out_channels, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        h = self.project(z).view(-1, self.bottom_channels, self.bottom, self.bottom)
        return self.net(h)


class MLPEncoder(nn.Module):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        hidden = 16 * config.width
        num_pixels = config.channels * config.image_size**2
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(num_pixels, hidden), nn.SiLU(),
                                 nn.Linear(hidden, hidden), nn.SiLU())
        self.num_features = hidden

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


class MLPDecoder(nn.Module):
    def __init__(self, config: VAEConfig, input_dim: int, out_channels: int) -> None:
        super().__init__()
        hidden = 16 * config.width
        self.shape = (out_channels, config.image_size, config.image_size)
        self.net = nn.Sequential(nn.Linear(input_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                                 nn.Linear(hidden, math.prod(self.shape)))

    def forward(self, z: Tensor) -> Tensor:
        return self.net(z).view(-1, *self.shape)


class VAE(GenerativeModel):
    """A VAE over images (B, C, S, S) in [-1, 1]; conditional when num_classes > 0."""

    def __init__(self, config: VAEConfig) -> None:
        super().__init__(config)
        self.input_kind = "binary" if config.likelihood == "bernoulli" else "continuous"
        label_dim = config.label_embedding_dim if config.num_classes else 0
        self.label_embedding = nn.Embedding(config.num_classes, label_dim) if config.num_classes else None
        out_channels = config.channels * (1 if config.likelihood == "bernoulli" else 2)
        if config.architecture == "conv":
            self.encoder = ConvEncoder(config)
            self.decoder = ConvDecoder(config, config.latent_dim + label_dim, out_channels)
        else:
            self.encoder = MLPEncoder(config)
            self.decoder = MLPDecoder(config, config.latent_dim + label_dim, out_channels)
        self.to_posterior = nn.Linear(self.encoder.num_features + label_dim, 2 * config.latent_dim)

    # --- the two halves -------------------------------------------------------------------
    def _with_label(self, h: Tensor, y: Tensor | None) -> Tensor:
        if self.label_embedding is None:
            return h
        return torch.cat([h, self.label_embedding(y)], dim=1)

    def encode(self, x: Tensor, y: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """q(z|x, y): mean and log-variance, each (B, Z)."""
        h = self._with_label(self.encoder(x), y)
        mean, log_var = self.to_posterior(h).chunk(2, dim=1)
        return mean, log_var.clamp(-12.0, 8.0)

    def decode_params(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """Pixel parameters of p(x|z, y): (B, C, S, S) logits, or (B, 2C, S, S) mean and log-scale."""
        return self.decoder(self._with_label(z, y))

    def reconstruction_pixel_log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        """log p(x_i|z) in nats per pixel and channel, (B, C, S, S)."""
        if self.config.likelihood == "bernoulli":
            return bernoulli_log_prob(params, x)
        mean, log_scale = params.chunk(2, dim=1)
        mean, log_scale = torch.tanh(mean), log_scale.clamp(min=-7.0)
        density = (discretized_logistic_log_prob if self.config.likelihood == "logistic"
                   else discretized_gaussian_log_prob)
        return density(mean, log_scale, x)

    def reconstruction_log_prob(self, params: Tensor, x: Tensor) -> Tensor:
        """log p(x|z) in nats per image (B,), summed over pixels."""
        return self.reconstruction_pixel_log_prob(params, x).flatten(1).sum(1)

    def decode(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """The mean image of p(x|z, y) in [-1, 1] (for Bernoulli: pixel probabilities, rescaled)."""
        params = self.decode_params(z, y)
        if self.config.likelihood == "bernoulli":
            return torch.sigmoid(params) * 2 - 1
        return torch.tanh(params.chunk(2, dim=1)[0])

    # --- training -------------------------------------------------------------------------
    def forward(self, x: Tensor, y: Tensor | None = None, objective: str = "loss",
                generator: torch.Generator | None = None) -> Tensor:
        """Negative β-ELBO in nats per image, averaged over the batch."""
        self.check_input(x, y)
        mean, log_var = self.encode(x, y)
        eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        z = mean + torch.exp(0.5 * log_var) * eps  # reparameterization trick
        reconstruction = self.reconstruction_log_prob(self.decode_params(z, y), x)        # (B,)
        kl = 0.5 * (mean**2 + log_var.exp() - 1.0 - log_var).sum(1)                      # KL(q || N(0, I)), (B,)
        loss = (-reconstruction + self.config.beta * kl).mean()
        with torch.no_grad():
            self.last_terms = {"reconstruction_nats": float(-reconstruction.mean()), "kl_nats": float(kl.mean()),
                               "elbo_nats": float((reconstruction - kl).mean())}
        return loss

    # --- generation -----------------------------------------------------------------------
    @torch.no_grad()
    def sample(self, num_samples: int, y: Tensor | None = None,
               generator: torch.Generator | None = None) -> Tensor:
        """Decoder means for z ~ N(0, I): (N, C, S, S) in [-1, 1]."""
        if self.config.num_classes and y is None:
            y = torch.arange(num_samples, device=self.device) % self.config.num_classes
        z = torch.randn((num_samples, self.config.latent_dim), generator=generator, device=self.device)
        return self.decode(z, y)

    @torch.no_grad()
    def reconstruct(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """Decode the posterior mean of each image: (B, C, S, S) in [-1, 1]."""
        return self.decode(self.encode(x, y)[0], y)

    @torch.no_grad()
    def interpolate(self, x_start: Tensor, x_end: Tensor, steps: int = 8, y: Tensor | None = None) -> Tensor:
        """Decode `steps` points on the line between the posterior means of two images (C, S, S)."""
        z_start = self.encode(x_start[None], y)[0]
        z_end = self.encode(x_end[None], y)[0]
        weights = torch.linspace(0, 1, steps, device=z_start.device)[:, None]
        z = (1 - weights) * z_start + weights * z_end
        return self.decode(z, None if y is None else y.expand(steps))

    # --- likelihood -----------------------------------------------------------------------
    @torch.no_grad()
    def log_prob(self, x: Tensor, y: Tensor | None = None, generator: torch.Generator | None = None,
                 num_samples: int | None = None, chunk_size: int = 10_000) -> Tensor:
        """Importance-weighted lower bound on log p(x) in nats, (B,), with k = num_samples.

        log p(x) >= log (1/k) Σ_i p(x, z_i) / q(z_i|x),  z_i ~ q(z|x)  (Burda et al. 2015, eq. 8).
        The k samples are drawn in chunks of about `chunk_size` decoder passes.
        """
        self.check_input(x, y)
        k = num_samples or self.config.importance_samples
        batch, latent = x.shape[0], self.config.latent_dim
        mean, log_var = self.encode(x, y)
        std = torch.exp(0.5 * log_var)
        per_chunk = max(1, min(k, chunk_size // batch))
        running = torch.full((batch,), -math.inf, device=x.device, dtype=torch.float64)
        log_normal_const = 0.5 * latent * math.log(2 * math.pi)
        for start in range(0, k, per_chunk):
            n = min(per_chunk, k - start)
            eps = torch.randn((n, batch, latent), generator=generator, device=x.device)
            z = mean + std * eps                                                       # (n, B, Z)
            log_q = (-0.5 * eps**2 - 0.5 * log_var).sum(-1) - log_normal_const        # (n, B)
            log_prior = (-0.5 * z**2).sum(-1) - log_normal_const                      # (n, B)
            labels = None if y is None else y.repeat(n)
            params = self.decode_params(z.reshape(n * batch, latent), labels)
            log_lik = self.reconstruction_log_prob(params, x.repeat(n, 1, 1, 1)).view(n, batch)
            log_w = (log_lik + log_prior - log_q).double()
            running = torch.logaddexp(running, torch.logsumexp(log_w, dim=0))
        return (running - math.log(k)).float()

    @torch.no_grad()
    def pixel_log_prob(self, x: Tensor, y: Tensor | None = None, generator: torch.Generator | None = None,
                       num_samples: int = 0) -> Tensor:
        """Per-pixel reconstruction log-likelihood log p(x_i | z) in nats, (B, C, S, S).

        With num_samples = 0 (default), z is the posterior mean E[q(z|x)]; with
        num_samples >= 1, the average of log p(x_i | z) over that many z ~ q(z|x)
        drawn with `generator` (each pixel's share of the ELBO's reconstruction term).
        This is NOT a per-pixel marginal likelihood: it ignores the KL term and the
        uncertainty in z, so its sum over pixels is log p(x | z), not log p(x).
        It shows which pixels the decoder explains badly.
        """
        self.check_input(x, y)
        if num_samples < 0:
            raise ConfigError(f"num_samples={num_samples}: expected 0 (posterior mean) or a positive integer")
        mean, log_var = self.encode(x, y)
        if num_samples == 0:
            return self.reconstruction_pixel_log_prob(self.decode_params(mean, y), x)
        total = torch.zeros_like(x)
        for _ in range(num_samples):
            eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
            z = mean + torch.exp(0.5 * log_var) * eps
            total += self.reconstruction_pixel_log_prob(self.decode_params(z, y), x)
        return total / num_samples


@register_model
def vae(**overrides) -> VAE:
    """Convolutional VAE; Bernoulli decoder for binarized data by default."""
    return VAE(VAEConfig(**overrides))


@register_model
def beta_vae(**overrides) -> VAE:
    """β-VAE (Higgins et al. 2017): the KL term weighted by beta (default 4) for disentangling."""
    return VAE(VAEConfig(**{"beta": 4.0, **overrides}))


@register_model
def conditional_vae(**overrides) -> VAE:
    """Class-conditional VAE (Sohn et al. 2015): labels condition both q(z|x, y) and p(x|z, y)."""
    return VAE(VAEConfig(**{"num_classes": 10, **overrides}))
