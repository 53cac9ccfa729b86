"""Fast (feed-forward) style transfer with a trained StyleNetwork, and the shipped styles."""

from __future__ import annotations

from pathlib import Path

import torch

from ...errors import ConfigError, DataError
from ...models.pretrained import load_pretrained
from ...models.style_network import StyleNetwork, StyleNetworkConfig

WEIGHTS = Path(__file__).resolve().parents[2] / "weights"
KIND = "style-network"
PREFIX = "style_"


def shipped_styles() -> list[str]:
    """Names of the shipped styles (pixelforge/weights/style_NAME)."""
    return sorted(p.name[len(PREFIX):] for p in WEIGHTS.glob(PREFIX + "*") if (p / "config.json").is_file())


def load_style_network(name_or_folder: str | Path) -> StyleNetwork:
    """A shipped style by name (e.g. "starry_night") or a weights folder (config.json + model.safetensors)."""
    folder = Path(name_or_folder)
    if not folder.is_dir():
        folder = WEIGHTS / f"{PREFIX}{name_or_folder}"
        if not folder.is_dir():
            raise ConfigError(f"style model {str(name_or_folder)!r}: not a weights folder nor a shipped style; "
                              f"shipped styles: {', '.join(shipped_styles()) or 'none'}")
    return load_pretrained(folder, KIND, lambda kind, config: StyleNetwork(StyleNetworkConfig(**config)))


@torch.no_grad()
def stylize_fast(model: StyleNetwork, images: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) in [-1, 1], C = 1 (gray, read as RGB with R = G = B) or 3 -> RGB (B, 3, H, W) in [-1, 1]."""
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise DataError(f"image batch of shape {tuple(images.shape)}: expected (B, 1 or 3, H, W)")
    model.eval()
    return model(images.float().expand(-1, 3, -1, -1)).clamp(-1, 1)
