"""explain_to_file: explain a checkpoint's view of some images and save one PNG grid."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from ..data import ImageDataset, load_dataset
from ..errors import ConfigError
from ..images import IMAGE_SUFFIXES, save_image_grid
from ..metrics.likelihood import prepare_eval_images
from ..models.base import GenerativeModel
from ..runtime import make_generator
from ..train import load
from ..train.checkpoint import training_data_config
from .gradcam import grad_cam
from .likelihood import check_pixel_likelihood, pixel_nll_map
from .neighbours import neighbour_grid
from .overlay import heatmap_overlay
from .saliency import saliency_map
from .targets import check_classifier

METHODS = ("saliency", "gradcam", "neighbours", "nll")
SAMPLES = "samples"  # as a source: the model's own samples (with the neighbours method)
COLUMNS = 8  # images per row of a map grid: a row of originals, then the row of their overlays


def default_output(source: str | Path, method: str) -> Path:
    """Where a map of one image file goes when no output is given: beside it, digit.png -> digit.nll.png.
    ConfigError when `source` is not an image file (a dataset or folder needs an explicit output)."""
    path = Path(source)
    if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
        raise ConfigError(f"{source}: give an output file (--out); only one image file gets its map beside it")
    return path.with_name(f"{path.stem}.{method}.png")


def _check_method(model: nn.Module, method: str, data: str | None) -> None:
    if method not in METHODS:
        raise ConfigError(f"method={method!r}: expected one of {', '.join(METHODS)}")
    if method in ("saliency", "gradcam"):
        check_classifier(model, method)
    if method == "nll":
        check_pixel_likelihood(model)
    if data is not None and method != "neighbours":
        raise ConfigError(f"data={data!r} is the set searched by the neighbours method; {method} does not use it")


def _reference_dataset(model: nn.Module, data: str | None, data_root: str | None) -> ImageDataset:
    """The set to search for neighbours: `data` (train split), else the checkpoint's training data."""
    trained_on = training_data_config(model)
    source = data or trained_on.get("source")
    if source is None:
        raise ConfigError("the checkpoint does not record its training data: pass the dataset to search (--data)")
    split = "train" if data else trained_on.get("split", "train")
    return load_dataset(source, split=split, image_size=model.config.image_size, channels=model.config.channels,
                        data_root=data_root or trained_on.get("data_root"))


def _sample_neighbours(model: nn.Module, out: str | Path, count: int, data: str | None, k: int,
                       data_root: str | None) -> Path:
    """The memorization check: `count` samples (seed 0), each beside its k nearest training images."""
    if not isinstance(model, GenerativeModel):
        raise ConfigError(f"source {SAMPLES!r} needs a generative model; {model.registered_name!r} cannot sample")
    samples = model.sample(count, generator=make_generator(0, model.device)).float()
    grid = neighbour_grid(samples, _reference_dataset(model, data, data_root), k)
    return save_image_grid(grid, out, nrow=k + 1)


def _maps(model: nn.Module, method: str, images: Tensor, labels: Tensor | None) -> Tensor:
    """(B, H, W) maps of a map method; classifiers explain their predicted class."""
    if method == "saliency":
        return saliency_map(model, images)
    if method == "gradcam":
        return grad_cam(model, images)
    return pixel_nll_map(model, images, y=labels if model.config.num_classes else None)


def _originals_over_overlays(originals: Tensor, overlays: Tensor) -> Tensor:
    """Blocks of COLUMNS images: a row of originals (as RGB), then their overlays; short rows padded black."""
    originals = originals.expand(-1, 3, -1, -1)
    rows = []
    for start in range(0, len(originals), COLUMNS):
        for images in (originals, overlays):
            row = images[start:start + COLUMNS]
            padding = row.new_full((min(COLUMNS, len(originals)) - len(row), *row.shape[1:]), -1.0)
            rows.append(torch.cat([row, padding]))
    return torch.cat(rows)


def explain_to_file(checkpoint: str | Path, source: str | Path, out: str | Path, method: str = "gradcam",
                    split: str = "test", count: int = 8, data: str | None = None, k: int = 5,
                    data_root: str | None = None, device: str | torch.device = "cpu") -> Path:
    """Explain the first `count` images of `source` with `method` and save a PNG grid at `out`.

    `source` is anything load_dataset reads (a dataset name or path, or one image
    file), resized to the checkpoint's image size and channels, or "samples": the
    model's own samples (seed 0), for the neighbours method; `split` picks its
    split. Methods: "saliency" and "gradcam" (classifiers, predicted class),
    "nll" (models with pixel_log_prob; Bernoulli models see the fixed test
    binarization) give rows of originals over rows of heatmap overlays, 8 per row;
    "neighbours" gives one row per image: the image, then its `k` nearest images
    of `data` (default: the checkpoint's training data), in a classifier's feature
    space or, for generative models, pixel space. Raises ConfigError when the
    method does not apply to the model. Returns the written path.
    """
    if count < 1:
        raise ConfigError(f"count={count}: expected a positive number of images")
    model = load(checkpoint, device=device)
    _check_method(model, method, data)
    if str(source) == SAMPLES:
        if method != "neighbours":
            raise ConfigError(f"source {SAMPLES!r} goes with the neighbours method (a memorization check), "
                              f"not {method}")
        return _sample_neighbours(model, out, count, data, k, data_root)
    dataset = load_dataset(source, split=split, image_size=model.config.image_size,
                           channels=model.config.channels, data_root=data_root)
    count = min(count, len(dataset))
    images, labels = dataset.batch(torch.arange(count))
    if method == "neighbours":
        feature_fn = model.features if callable(getattr(model, "features", None)) else None
        grid = neighbour_grid(images.to(device), _reference_dataset(model, data, data_root), k, feature_fn)
        return save_image_grid(grid, out, nrow=k + 1)
    if method == "nll" and model.input_kind == "binary":
        images = prepare_eval_images(model, dataset)[0][:count]
    labels = None if labels is None else labels.to(device)
    maps = _maps(model, method, images.to(device), labels).cpu()
    return save_image_grid(_originals_over_overlays(images, heatmap_overlay(images, maps)), out,
                           nrow=min(COLUMNS, count))
