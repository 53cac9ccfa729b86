"""Random training augmentations applied per batch, drawn from a checkpointed torch.Generator."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import ConfigError

AUGMENTATIONS = ("none", "flip", "crop", "flip_crop")


def augment_batch(x: torch.Tensor, kind: str, generator: torch.Generator, padding: int = 4) -> torch.Tensor:
    """Augment images x (B, C, H, W): horizontal flips and/or random crops after reflect-padding.

    The crop is the standard CIFAR one: pad by `padding` pixels, cut a random
    H×W window. `kind` is one of AUGMENTATIONS.
    """
    if kind not in AUGMENTATIONS:
        raise ConfigError(f"augment={kind!r}: expected one of {AUGMENTATIONS}")
    batch, _, height, width = x.shape
    if kind in ("flip", "flip_crop"):
        flip = torch.rand(batch, generator=generator) < 0.5
        x = torch.where(flip[:, None, None, None].to(x.device), x.flip(-1), x)
    if kind in ("crop", "flip_crop"):
        padded = F.pad(x, (padding,) * 4, mode="reflect")
        offsets = torch.randint(0, 2 * padding + 1, (batch, 2), generator=generator).tolist()
        x = torch.stack([padded[i, :, top:top + height, left:left + width] for i, (top, left) in enumerate(offsets)])
    return x
