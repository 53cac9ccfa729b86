"""Shipped restoration weights: pixelforge/weights/<name>/, a weights folder of
pixelforge.models.pretrained whose kind is the network's name in NETWORKS."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch

from ...errors import CheckpointError
from ...models.pretrained import WEIGHTS_FILE, load_pretrained
from ...models.restoration import NETWORKS, build_network

WEIGHTS_DIR = Path(__file__).resolve().parents[2] / "weights"
SUPERRES_NETWORKS = {"edsr": "superres_edsr", "espcn": "superres_espcn"}  # quality (the default), fast
DENOISE_WEIGHTS = "denoise_ffdnet_gray"                        # the general model, sigma in [0, 55]
DENOISE_SPECIALISTS = {25: "denoise_ffdnet_gray_sigma25"}      # per-sigma models (DnCNN-S style), by sigma


def load_weights(folder: str | Path) -> torch.nn.Module:
    """The restoration network saved in `folder`, in eval mode, float32, on the CPU."""
    return load_pretrained(folder, NETWORKS, build_network)


@lru_cache(maxsize=4)
def shipped(name: str) -> torch.nn.Module:
    """The weights shipped with pixelforge under pixelforge/weights/NAME (cached)."""
    folder = WEIGHTS_DIR / name
    if not (folder / WEIGHTS_FILE).is_file():
        raise CheckpointError(f"shipped weights {name!r} are missing from {WEIGHTS_DIR}; rebuild them with "
                              f"`python benchmarks/{name.split('_')[0]}.py --train`")
    return load_weights(folder)
