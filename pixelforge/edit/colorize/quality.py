"""Colourfulness, Hasler & Süsstrunk 2003 ("Measuring colourfulness in natural images", eq. 3)."""

from __future__ import annotations

import torch


def colourfulness(image: torch.Tensor) -> float:
    """RGB (3, H, W) in [-1, 1] -> M = sigma_rgyb + 0.3 mu_rgyb on the 0..255 scale, with
    rg = R - G and yb = (R + G) / 2 - B. 0 for a gray image; the paper calls ~33 "moderately"
    and ~59 "quite" colourful."""
    rgb = (image.double().clamp(-1, 1) + 1) * 127.5
    red, green, blue = rgb[0], rgb[1], rgb[2]
    rg, yb = red - green, (red + green) / 2 - blue
    sigma = torch.sqrt(rg.var(unbiased=False) + yb.var(unbiased=False))
    mu = torch.sqrt(rg.mean() ** 2 + yb.mean() ** 2)
    return float(sigma + 0.3 * mu)
