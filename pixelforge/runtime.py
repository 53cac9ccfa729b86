"""Device choice, seeding and torch.Generator creation: the only place for each."""

from __future__ import annotations

import os

import torch

from .errors import ConfigError


def choose_device(requested: str = "auto") -> torch.device:
    """`auto` picks CUDA when available, else CPU; an explicit device that is absent raises."""
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(requested)
    except RuntimeError:
        raise ConfigError(f"device {requested!r}: expected 'auto', 'cpu', 'cuda' or 'cuda:N'") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {requested!r} was asked for, but no CUDA device is available")
    return device


def make_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch.Generator seeded with `seed` on `device`; models take these, never global RNG."""
    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    return generator


def seed_everything(seed: int) -> None:
    """Seed torch's global RNG (used only by weight initialisation)."""
    torch.manual_seed(int(seed))


def set_cpu_threads(num_threads: int | None = None) -> None:
    """Use `num_threads` intra-op threads (default: PIXELFORGE_THREADS or torch's own choice)."""
    value = num_threads or int(os.environ.get("PIXELFORGE_THREADS", "0") or 0)
    if value > 0:
        torch.set_num_threads(value)
