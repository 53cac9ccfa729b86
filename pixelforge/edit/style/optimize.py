"""Style transfer by optimizing the image (Gatys, Ecker & Bethge 2016), on Inception-v3 features."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from ...errors import ConfigError
from .loss import PerceptualConfig, PerceptualLoss


@dataclass
class StyleResult:
    image: torch.Tensor                     # (1, 3, H, W) in [-1, 1]
    history: list[dict] = field(default_factory=list)  # per logged step: content, style, tv, total


def resize_long_side(image: torch.Tensor, size: int) -> torch.Tensor:
    """(B, C, H, W) -> the same with the long side = size (aspect kept; antialiased when shrinking)."""
    height, width = image.shape[-2:]
    scale = size / max(height, width)
    shape = (max(1, round(height * scale)), max(1, round(width * scale)))
    return F.interpolate(image, size=shape, mode="bilinear", antialias=scale < 1, align_corners=False)


def stylize_optimize(content: torch.Tensor, style: torch.Tensor, steps: int = 300, lr: float = 0.02,
                     config: PerceptualConfig | None = None, loss: PerceptualLoss | None = None,
                     log_every: int = 10) -> StyleResult:
    """Optimize an image, started from `content` (1, 1 or 3, H, W) in [-1, 1], so that its
    Inception features match the content's and its Grams the style's (1, 1 or 3, h, w).

    Adam on the pixels (kept in [-1, 1] by a clamp after each step); the result is RGB."""
    if steps < 0:
        raise ConfigError(f"steps={steps}: expected a non-negative number of optimization steps")
    loss = loss or PerceptualLoss(config)
    content = content.expand(-1, 3, -1, -1).float()
    loss.set_style(style.expand(-1, 3, -1, -1).float())
    target = loss.content_features(content)
    image = content.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([image], lr=lr)
    history = []
    for step in range(steps + 1):
        terms = loss.terms(image, target)
        if step % log_every == 0 or step == steps:
            history.append({"step": step, **{key: float(value.detach()) for key, value in terms.items()}})
        if step == steps:
            break
        optimizer.zero_grad(set_to_none=True)
        terms["total"].backward()
        optimizer.step()
        with torch.no_grad():
            image.clamp_(-1, 1)
    return StyleResult(image.detach(), history)
