"""The interface every model family shares.

A model (`PixelforgeModel`) is an `nn.Module` with a frozen config dataclass (`self.config`) and:
- `objectives`: the losses the trainer steps, in order (a GAN has two);
- `forward(x, y, objective, generator)`: the scalar loss of one objective.
A `GenerativeModel` adds:
- `sample(num_samples, y, generator)`: images (N, C, H, W) in [-1, 1];
- `log_prob(x, y, generator)`: log-likelihood in nats per image, where defined.

Models never choose a device or touch global randomness: they take a
`torch.Generator` and draw on the device of their parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import ClassVar

import torch
from torch import Tensor, nn

from ..errors import ConfigError


@dataclasses.dataclass(frozen=True)
class ImageSpec:
    """Shape and labels of the images a model works on."""

    image_size: int = 28
    channels: int = 1
    num_classes: int = 0  # 0: unconditional

    def check(self) -> None:
        if self.image_size < 4:
            raise ConfigError(f"image_size={self.image_size}: expected an integer >= 4")
        if self.channels not in (1, 3):
            raise ConfigError(f"channels={self.channels}: expected 1 (gray) or 3 (RGB)")
        if self.num_classes < 0:
            raise ConfigError(f"num_classes={self.num_classes}: expected 0 (unconditional) or more")


class LazyTerms(Mapping):
    """Logging terms computed on first access: a model's forward stores the recipe (closing over
    detached tensors), and only the steps that are logged pay for it."""

    def __init__(self, compute: Callable[[], dict[str, float]]) -> None:
        self._compute, self._values = compute, None

    def _resolved(self) -> dict[str, float]:
        if self._values is None:
            self._values, self._compute = self._compute(), None
        return self._values

    def __getitem__(self, name: str) -> float:
        return self._resolved()[name]

    def __iter__(self):
        return iter(self._resolved())

    def __len__(self) -> int:
        return len(self._resolved())


class PixelforgeModel(nn.Module):
    """Base class of every registered model: what the trainer and checkpoints rely on."""

    objectives: ClassVar[tuple[str, ...]] = ("loss",)
    # What the model expects of its input: "continuous" images in [-1, 1], or
    # "binary" images in {-1, 1} (the trainer binarizes MNIST-like data for these).
    input_kind: ClassVar[str] = "continuous"
    registered_name: str = ""  # set by create_model

    def __init__(self, config) -> None:
        super().__init__()
        self.config = config
        # Named loss terms of the last forward call, for logging (floats, detached); a LazyTerms
        # when they cost something to compute, since the trainer reads them only at log steps.
        self.last_terms: Mapping[str, float] = {}

    @property
    def name(self) -> str:
        return self.registered_name

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    def forward(self, x: Tensor, y: Tensor | None = None, objective: str = "loss",
                generator: torch.Generator | None = None) -> Tensor:
        raise NotImplementedError

    def objectives_at(self, step: int) -> tuple[str, ...]:
        """The objectives to step at training step `step` (default: all; a WGAN critic steps more often)."""
        return self.objectives

    def health_warnings(self, record: dict) -> list[str]:
        """Messages about training going wrong, given one log record (default: none)."""
        return []

    def parameters_for(self, objective: str):
        """The parameters the optimizer of `objective` updates (default: all)."""
        return self.parameters()

    def optimizer_settings(self, objective: str) -> dict:
        """Optimizer keyword overrides for `objective` (e.g. a GAN's Adam betas); default none."""
        return {}

    def check_input(self, x: Tensor, y: Tensor | None = None) -> None:
        """Raise ConfigError when `x` (B, C, H, W) or `y` (B,) do not fit the model's config."""
        spec = self.config
        expected = (spec.channels, spec.image_size, spec.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            raise ConfigError(
                f"{type(self).__name__} expects images of shape (B, {expected[0]}, {expected[1]}, {expected[2]}), "
                f"got {tuple(x.shape)}"
            )
        if self.input_kind == "binary" and not bool(((x == 1) | (x == -1)).all()):
            raise ConfigError(
                f"{type(self).__name__} with a Bernoulli likelihood expects binary images in {{-1, 1}}; "
                f"binarize them first (pixelforge.data.binarize_fixed or binarize_dynamic)"
            )
        if spec.num_classes and y is None:
            raise ConfigError(f"{type(self).__name__} is class-conditional: pass labels y in [0, {spec.num_classes})")
        if y is not None and spec.num_classes and (y.min() < 0 or y.max() >= spec.num_classes):
            raise ConfigError(f"labels must lie in [0, {spec.num_classes}), got {int(y.min())}..{int(y.max())}")


class GenerativeModel(PixelforgeModel):
    """A model that can sample images (and, for some families, score them)."""

    @torch.no_grad()
    def sample(self, num_samples: int, y: Tensor | None = None,
               generator: torch.Generator | None = None) -> Tensor:
        raise NotImplementedError

    def refresh_after_averaging(self) -> None:
        """Called after averaged (EMA) weights are loaded: recompute what depends on the weights
        and is not itself a weight (a GAN generator's BatchNorm statistics). Default: nothing."""

    def log_prob(self, x: Tensor, y: Tensor | None = None,
                 generator: torch.Generator | None = None) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no tractable log-likelihood")


def config_to_dict(config) -> dict:
    """A model config dataclass as a JSON-able dict."""
    return dataclasses.asdict(config)
