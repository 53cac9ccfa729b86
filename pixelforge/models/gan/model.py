"""GAN: a generator and a discriminator behind the common GenerativeModel interface.

Objectives, stepped by the trainer in this order: "discriminator" (every step) and
"generator" (every n_critic-th step). The loss, penalty, spectral norm, architecture,
conditioning and DiffAugment all come from GANConfig; registered variants are in __init__.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial

import torch
from torch import Tensor, nn

from ...runtime import make_generator
from ..base import GenerativeModel, LazyTerms
from .config import GANConfig
from .dcgan import DCGANDiscriminator, DCGANGenerator
from .diffaugment import diff_augment
from .health import GANHealth
from .losses import discriminator_loss, generator_loss, gradient_penalty
from .resnet import ResNetDiscriminator, ResNetGenerator

DIVERSITY_SAMPLE = 64  # images used for the diversity statistic
STANDING_BATCHES, STANDING_BATCH_SIZE = 10, 256  # generator passes that re-estimate BatchNorm statistics


def truncated_normal(shape: tuple[int, int], threshold: float, generator: torch.Generator | None,
                     device: torch.device) -> Tensor:
    """N(0, I) draws with every entry resampled until |z| <= threshold (the truncation trick); plain N(0, I) for 0."""
    z = torch.randn(shape, generator=generator, device=device)
    if threshold <= 0:
        return z
    outside = z.abs() > threshold
    while bool(outside.any()):
        z = torch.where(outside, torch.randn(shape, generator=generator, device=device), z)
        outside = z.abs() > threshold
    return z


def mean_pairwise_distance(x: Tensor, y: Tensor | None = None) -> Tensor:
    """Mean L2 distance between the first DIVERSITY_SAMPLE images, over pairs with the same label
    when labels `y` are given (so a conditional generator that ignores z shows up as ~0)."""
    flat = x[:DIVERSITY_SAMPLE].detach().float().flatten(1)
    distances = torch.cdist(flat, flat, compute_mode="donot_use_mm_for_euclid_dist")  # exact 0 for equal images
    if y is None:
        pairs = torch.ones_like(distances, dtype=torch.bool)
    else:
        labels = y[:DIVERSITY_SAMPLE]
        pairs = labels[:, None] == labels[None, :]
    pairs.fill_diagonal_(False)
    return (distances * pairs).sum() / pairs.sum().clamp_min(1)


def _discriminator_terms(real_out: Tensor, fake_out: Tensor, real: Tensor, fake: Tensor, y: Tensor | None,
                         penalty: Tensor | None) -> dict[str, float]:
    """The discriminator step's logged terms (computed only when a step is logged: see LazyTerms)."""
    terms = {"gan/d_real": float(real_out.float().mean()), "gan/d_fake": float(fake_out.float().mean()),
             "gan/diversity": float(mean_pairwise_distance(fake, y) / mean_pairwise_distance(real, y).clamp_min(1e-8))}
    if penalty is not None:
        terms["gan/gradient_penalty"] = float(penalty)
    return terms


@contextmanager
def frozen(network: nn.Module):
    """Build the graph without gradients for `network`'s weights (StudioGAN's toggle_grad): the
    generator's loss still flows through the discriminator to the generator, but the
    discriminator's weight gradients, which the generator step would throw away, are never
    computed. The graph records this at forward time, so the flags are restored on exit. Skipped
    under torch.compile, where flipping requires_grad would break the graph."""
    if torch.compiler.is_compiling():
        yield
        return
    flags = [(parameter, parameter.requires_grad) for parameter in network.parameters()]
    for parameter, _ in flags:
        parameter.requires_grad_(False)
    try:
        yield
    finally:
        for parameter, flag in flags:
            parameter.requires_grad_(flag)


class GAN(GenerativeModel):
    objectives = ("discriminator", "generator")

    def __init__(self, config: GANConfig) -> None:
        super().__init__(config)
        resnet = config.architecture == "resnet"
        self.generator_network = (ResNetGenerator if resnet else DCGANGenerator)(config)
        self.discriminator_network = (ResNetDiscriminator if resnet else DCGANDiscriminator)(config)
        self.health = GANHealth(config.loss)
        self._fake: Tensor | None = None  # fakes of the last discriminator step, for reuse_fake

    def __getstate__(self) -> dict:  # copies (EMA sampling, pickling) never carry the cached fakes' graph
        state = dict(self.__dict__)
        state["_fake"] = None
        return state

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    # --- the trainer's interface --------------------------------------------------------------
    def objectives_at(self, step: int) -> tuple[str, ...]:
        if step % self.config.n_critic == 0:
            return self.objectives
        return ("discriminator",)

    def parameters_for(self, objective: str):
        network = self.discriminator_network if objective == "discriminator" else self.generator_network
        return network.parameters()

    def optimizer_settings(self, objective: str) -> dict:
        lr = self.config.lr_discriminator if objective == "discriminator" else self.config.lr_generator
        return {"lr": lr, "betas": (self.config.beta1, self.config.beta2), "weight_decay": 0.0}

    def health_warnings(self, record: dict) -> list[str]:
        return self.health.check(record)

    def forward(self, x: Tensor, y: Tensor | None = None, objective: str = "discriminator",
                generator: torch.Generator | None = None) -> Tensor:
        self.check_input(x, y)
        if objective == "discriminator":
            return self._discriminator_step(x, y, generator)
        if objective == "generator":
            return self._generator_step(x, y, generator)
        raise ValueError(f"unknown objective {objective!r}: expected one of {self.objectives}")

    def _discriminate(self, images: Tensor, y: Tensor | None, generator: torch.Generator | None) -> Tensor:
        if self.config.policies:
            images = diff_augment(images, self.config.policies, generator)
        return self.discriminator_network(images, y)

    def _discriminator_step(self, x: Tensor, y: Tensor | None, generator: torch.Generator | None) -> Tensor:
        # Not under torch.compile: the compiled step's backward frees the graph the kept fakes need.
        keep = (self.config.reuse_fake and self.config.n_critic == 1 and self.training
                and not torch.compiler.is_compiling())
        z = torch.randn((x.shape[0], self.config.latent_dim), generator=generator, device=x.device)
        with torch.set_grad_enabled(keep and torch.is_grad_enabled()):
            fake = self.generator_network(z, y)
        self._fake = fake if keep else None
        real_out = self._discriminate(x, y, generator)
        fake_out = self._discriminate(fake.detach(), y, generator)
        loss = discriminator_loss(self.config.loss, real_out, fake_out)
        penalty = None
        if self.config.gradient_penalty > 0:
            penalty = gradient_penalty(lambda mixed: self.discriminator_network(mixed, y), x, fake, generator)
            loss = loss + self.config.gradient_penalty * penalty
        self.last_terms = LazyTerms(partial(_discriminator_terms, real_out.detach(), fake_out.detach(),
                                            x.detach(), fake.detach(), y,
                                            None if penalty is None else penalty.detach()))
        return loss

    def _generator_step(self, x: Tensor, y: Tensor | None, generator: torch.Generator | None) -> Tensor:
        fake, self._fake = self._fake, None
        if fake is None or fake.shape[0] != x.shape[0]:
            z = torch.randn((x.shape[0], self.config.latent_dim), generator=generator, device=x.device)
            fake = self.generator_network(z, y)
        with frozen(self.discriminator_network):
            return generator_loss(self.config.loss, self._discriminate(fake, y, generator))

    # --- generation -----------------------------------------------------------------------------
    def labels_for(self, num_samples: int, y: Tensor | None) -> Tensor | None:
        """Labels to generate with: `y`, or classes 0, 1, ... cycled when conditional and y is None."""
        if self.config.num_classes and y is None:
            return torch.arange(num_samples, device=self.device) % self.config.num_classes
        return y if self.config.num_classes else None

    def latents(self, num_samples: int, generator: torch.Generator | None = None,
                truncation: float | None = None) -> Tensor:
        """z ~ N(0, I) (N, latent_dim), truncated to |z| <= truncation when it is > 0 (default: the config's)."""
        threshold = self.config.truncation if truncation is None else truncation
        return truncated_normal((num_samples, self.config.latent_dim), threshold, generator, self.device)

    def generate(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        """Images (N, C, S, S) in [-1, 1] for latents z (N, latent_dim); differentiable (for inversion)."""
        return self.generator_network(z, self.labels_for(z.shape[0], y))

    @torch.no_grad()
    def sample(self, num_samples: int, y: Tensor | None = None, generator: torch.Generator | None = None,
               truncation: float | None = None) -> Tensor:
        return self.generate(self.latents(num_samples, generator, truncation), y)

    @torch.no_grad()
    def refresh_after_averaging(self, seed: int = 0) -> None:
        """Re-estimate the generator's BatchNorm running statistics for the current (EMA) weights.

        Averaged weights and averaged running statistics do not belong together; the
        statistics are recomputed as exact averages over STANDING_BATCHES seeded batches of
        fresh latents ("standing statistics"), so eval-mode samples match the averaged weights.
        """
        norms = [m for m in self.generator_network.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not norms:
            return
        was_training, momenta = self.generator_network.training, [m.momentum for m in norms]
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # cumulative average
        self.generator_network.train()
        generator = make_generator(seed, self.device)
        for _ in range(STANDING_BATCHES):
            z = self.latents(STANDING_BATCH_SIZE, generator, truncation=0)
            self.generator_network(z, self.labels_for(STANDING_BATCH_SIZE, None))
        for norm, momentum in zip(norms, momenta):
            norm.momentum = momentum
        self.generator_network.train(was_training)
