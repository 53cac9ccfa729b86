"""Image completion with autoregressive models (the PixelRNN paper's occlusion completions).

The model fills the unknown pixels in raster order (top to bottom, left to right), each drawn
from p(x_i | x_<i): conditioned on every known or already drawn pixel BEFORE it. Known pixels
AFTER it (below, or to its right on its row) are not conditioned on: an autoregressive model
cannot look ahead, so a hole is filled as if its context below and to the right were absent,
and the fill need not join up with it. Known pixels are kept exactly.

Files: the input is an image of exactly the model's size and kind (gray or RGB); the mask is a
gray image of the same size, white (>= 128) where the pixel is KNOWN, black where it is to be
completed. Binarized (Bernoulli) models see the input thresholded at mid-gray.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from ..errors import ConfigError, DataError
from ..images import output_image_path, read_image_uint8, save_image_grid, to_float
from ..models.autoregressive import AutoregressiveModel
from ..runtime import make_generator

# --occlude NAME: the region that is hidden (to be completed); the rest is known
OCCLUSIONS = ("bottom-half", "top-half", "right-half", "left-half", "centre")


def check_autoregressive(model: nn.Module, where: str = "the checkpoint") -> AutoregressiveModel:
    if not isinstance(model, AutoregressiveModel):
        name = getattr(model, "registered_name", "") or type(model).__name__
        raise ConfigError(f"{where} holds a {name!r} model; completion needs an autoregressive model "
                          f"(pixelcnn, gated_pixelcnn, conditional_gated_pixelcnn, row_lstm, diagonal_bilstm, "
                          f"pixelcnn_pp)")
    return model


def occlusion_mask(name: str, image_size: int) -> Tensor:
    """Known-pixel mask (1, 1, S, S), bool: False in the occluded region `name` (one of OCCLUSIONS)."""
    if name not in OCCLUSIONS:
        raise ConfigError(f"occlude={name!r}: expected one of {', '.join(OCCLUSIONS)}")
    known = torch.ones(1, 1, image_size, image_size, dtype=torch.bool)
    half, quarter = image_size // 2, image_size // 4
    regions = {"bottom-half": (slice(half, None), slice(None)), "top-half": (slice(None, half), slice(None)),
               "right-half": (slice(None), slice(half, None)), "left-half": (slice(None), slice(None, half)),
               "centre": (slice(quarter, image_size - quarter), slice(quarter, image_size - quarter))}
    rows, columns = regions[name]
    known[:, :, rows, columns] = False
    return known


def read_completion_image(path: str | Path, model: AutoregressiveModel) -> Tensor:
    """An image file as (1, C, S, S) in [-1, 1]; DataError unless it is S×S and gray/RGB like the model.
    Bernoulli models get it thresholded at mid-gray to {-1, 1}."""
    pixels = read_image_uint8(path)                                              # (C, H, W), the file's kind
    size, channels = model.config.image_size, model.config.channels
    if tuple(pixels.shape[1:]) != (size, size):
        raise DataError(f"{path}: the image is {pixels.shape[2]}x{pixels.shape[1]} pixels; the model completes "
                        f"{size}x{size} images (resize it first: completion keeps known pixels exactly)")
    if pixels.shape[0] != channels:
        kinds = {1: "gray", 3: "RGB"}
        raise DataError(f"{path}: a {kinds[pixels.shape[0]]} image; the model completes {kinds[channels]} images")
    image = to_float(pixels[None])
    return torch.where(image > 0, 1.0, -1.0) if model.input_kind == "binary" else image


def read_known_mask(path: str | Path, image_size: int) -> Tensor:
    """A mask file as a known-pixel mask (1, 1, S, S), bool: white (>= 128) = known, black = to complete."""
    mask = read_image_uint8(path, channels=1)                                    # (1, H, W)
    if tuple(mask.shape[1:]) != (image_size, image_size):
        raise DataError(f"{path}: the mask is {mask.shape[2]}x{mask.shape[1]} pixels but the image is "
                        f"{image_size}x{image_size}: expected the same size")
    return mask[None] >= 128


def completion_grid(image: Tensor, known: Tensor, completions: Tensor) -> Tensor:
    """One row per image: the input, the masked input (unknown pixels mid-gray), then its completions.

    image (B, C, S, S), known (B or 1, 1 or C, S, S) bool, completions (B, N, C, S, S) -> (B·(N + 2), C, S, S).
    """
    masked = torch.where(known, image, torch.zeros_like(image))
    rows = [torch.cat([image[b:b + 1], masked[b:b + 1], completions[b]]) for b in range(len(image))]
    return torch.cat(rows)


def complete_file(model: nn.Module, source: str | Path, out: str | Path, mask: str | Path | None = None,
                  occlude: str | None = None, num_completions: int = 8, seed: int = 0, label: int | None = None,
                  method: str = "fast") -> Path:
    """Complete the image file `source` `num_completions` times and save [input | masked | completions]
    as one row of an image grid at `out`. The known pixels come from the `mask` file (white = known)
    or from `occlude` (one of OCCLUSIONS, the hidden region). Returns the written path."""
    model = check_autoregressive(model)
    output_image_path(out)
    if (mask is None) == (occlude is None):
        raise ConfigError("give the known pixels either as a mask file or as an occlusion name, not both or neither")
    if num_completions < 1:
        raise ConfigError(f"num_completions={num_completions}: expected a positive integer")
    image = read_completion_image(source, model)
    size = model.config.image_size
    known = occlusion_mask(occlude, size) if mask is None else read_known_mask(mask, size)
    if bool(known.all()):
        raise DataError(f"{mask or occlude}: every pixel is marked known (white): nothing to complete")
    y = None
    if model.config.num_classes:
        if label is None or not 0 <= label < model.config.num_classes:
            raise ConfigError(f"label={label}: the model is class-conditional with {model.config.num_classes} "
                              f"classes; give the image's class")
        y = torch.tensor([label], device=model.device)
    elif label is not None:
        raise ConfigError(f"label={label}: the model is unconditional")
    device = model.device
    completions = model.eval().complete(image.to(device), known.to(device), num_completions,
                                        generator=make_generator(seed, device), y=y, method=method)
    grid = completion_grid(image, known, completions.cpu())
    return save_image_grid(grid.float(), out, nrow=num_completions + 2)
