"""Geometric self-ensemble (Lim et al. 2017, the "+" rows of EDSR+; Timofte et al. 2016):
run the network on the 8 flips and rotations of the input, undo each on its output, and
average. 8 times the inference cost for typically 0.1-0.2 dB; the networks are trained on
randomly flipped and rotated patches, so every transform is an input they know.
"""

from __future__ import annotations

from typing import Callable

import torch


def self_ensemble(function: Callable[[torch.Tensor], torch.Tensor], image: torch.Tensor) -> torch.Tensor:
    """Mean over the 8 dihedral transforms of `function` (B, C, H, W) -> (B, C', s H, s W)."""
    total = None
    for turns in range(4):
        for flip in (False, True):
            x = torch.rot90(image, turns, dims=(-2, -1))
            y = function(x.flip(-1) if flip else x)
            y = torch.rot90(y.flip(-1) if flip else y, -turns, dims=(-2, -1))
            total = y if total is None else total + y
    return total / 8
