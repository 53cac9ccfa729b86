"""What every classifier explanation shares: input checks, the class to explain, eval mode."""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch
from torch import Tensor, nn

from ..errors import ConfigError


def check_images(images: Tensor, what: str = "images") -> None:
    """Raise ConfigError unless `images` is a float batch (B, C, H, W)."""
    if images.ndim != 4 or not images.is_floating_point():
        raise ConfigError(f"{what}: got a {images.dtype} tensor of shape {tuple(images.shape)}; "
                          f"expected float images (B, C, H, W) in [-1, 1]")


def check_classifier(model: nn.Module, method: str) -> None:
    """Raise ConfigError unless `model` gives class scores through `logits(x)`."""
    if not callable(getattr(model, "logits", None)):
        name = getattr(model, "registered_name", "") or type(model).__name__
        raise ConfigError(f"{method} explains a classifier's decision, but {name!r} is not a classifier "
                          f"(it has no logits); for generative models use nll or neighbours")


def choose_targets(logits: Tensor, target: Tensor | int | None) -> Tensor:
    """The class to explain per image, (B,) int64: `target` (one class or one per image) or the argmax."""
    batch, num_classes = logits.shape
    if target is None:
        return logits.argmax(1)
    target = torch.as_tensor(target, device=logits.device)
    if target.is_floating_point() or target.ndim > 1 or target.numel() not in (1, batch):
        raise ConfigError(f"target of shape {tuple(target.shape)}: expected one integer class, "
                          f"or a (B,) integer tensor with B = {batch}")
    if bool((target < 0).any()) or bool((target >= num_classes).any()):
        raise ConfigError(f"target classes {target.tolist()}: expected integers in [0, {num_classes})")
    return target.to(torch.int64).reshape(-1).expand(batch)


@contextlib.contextmanager
def evaluation_mode(model: nn.Module) -> Iterator[None]:
    """Run in eval mode (BatchNorm running statistics, no dropout), then restore the previous mode.

    In eval mode every image's logits depend on that image alone, so the
    gradient of the summed target logits gives each image its own gradient.
    """
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)
