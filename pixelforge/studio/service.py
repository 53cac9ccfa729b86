"""What the studio's callbacks do, as plain functions over the library (no Gradio here).

Every method takes and returns plain values (ints, strings, PIL images) and raises a
PixelforgeError with a user-facing message when the input cannot be used; the UI layer
shows that message and keeps serving.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..errors import ConfigError, DataError
from ..images import make_grid, pil_to_tensor
from ..runtime import make_generator
from . import operations
from .catalog import ModelCache, ModelEntry, missing_families, scan
from .uploads import DEFAULT_MAX_PIXELS, Upload, read_mask, read_upload

MAX_SAMPLES = 64
DISPLAY_SIDE = 384  # small model outputs are enlarged (nearest) to about this many pixels


def grid_image(images: torch.Tensor, nrow: int | None = None) -> Image.Image:
    """(N, C, H, W) in [-1, 1] -> a PIL grid, enlarged by a whole factor for display."""
    grid = make_grid(images.float().cpu(), nrow)
    picture = Image.fromarray(grid[:, :, 0], "L") if grid.shape[2] == 1 else Image.fromarray(grid, "RGB")
    factor = max(1, DISPLAY_SIDE // max(picture.size), 96 // min(picture.size))  # strips: >= 96 px high
    return picture.resize((picture.width * factor, picture.height * factor), Image.NEAREST) if factor > 1 \
        else picture


def side_by_side(before: Image.Image, after: Image.Image) -> Image.Image:
    """[before | after] at the height of `after` (before is resized to it)."""
    before = before.convert(after.mode).resize((round(before.width * after.height / before.height), after.height))
    canvas = Image.new(after.mode, (before.width + 8 + after.width, after.height), 255 if after.mode == "L" else
                       (255, 255, 255))
    canvas.paste(before, (0, 0))
    canvas.paste(after, (before.width + 8, 0))
    return canvas


class StudioService:
    """The studio's state: the model catalog, loaded models and the upload limits."""

    def __init__(self, checkpoint_dirs: list[str | Path] = (), max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self.entries = scan(checkpoint_dirs)
        self.missing = missing_families(self.entries)
        self.max_pixels = max_pixels
        self.cache = ModelCache()
        self._lock = threading.Lock()  # one model call at a time per process (BatchNorm, autograd state)

    # --- models ---------------------------------------------------------------------------------
    def model_labels(self) -> list[str]:
        return [e.label for e in self.entries]

    def missing_lines(self) -> list[str]:
        return [f"{family}: missing: trained by `{command}`" for family, command in self.missing.items()]

    def entry(self, label: str) -> ModelEntry:
        for entry in self.entries:
            if entry.label == label:
                return entry
        raise ConfigError(f"model {label!r}: not in this studio; pick one of {self.model_labels()}")

    def model(self, label: str):
        return self.cache.get(self.entry(label))

    def _labels(self, entry: ModelEntry, class_label: int | None, count: int) -> torch.Tensor | None:
        if not entry.num_classes:
            return None
        if class_label is None or class_label < 0:
            return torch.arange(count) % entry.num_classes
        if class_label >= entry.num_classes:
            raise ConfigError(f"class {class_label}: the model has classes 0..{entry.num_classes - 1}")
        return torch.full((count,), int(class_label))

    # --- generate -------------------------------------------------------------------------------
    def generate(self, label: str, seed: int = 0, count: int = 16, class_label: int | None = None,
                 truncation: float = 0.0, guidance: float | None = None, steps: int | None = None) -> Image.Image:
        """A grid of `count` samples; truncation (GANs), guidance and steps (diffusion) where they apply."""
        count = int(count)
        if not 1 <= count <= MAX_SAMPLES:
            raise ConfigError(f"number of images {count}: expected 1..{MAX_SAMPLES}")
        entry, model = self.entry(label), self.model(label)
        options = {}
        if entry.family == "gan" and truncation:
            options["truncation"] = float(truncation)
        if entry.family == "diffusion":
            options.update({k: v for k, v in (("guidance_scale", guidance), ("steps", steps)) if v})
        with self._lock, torch.no_grad():
            images = model.sample(count, y=self._labels(entry, class_label, count),
                                  generator=make_generator(int(seed)), **options)
        return grid_image(images)

    def interpolate_seeds(self, label: str, seed_a: int, seed_b: int, steps: int = 8,
                          class_label: int | None = None) -> Image.Image:
        """One row: the latent walk (slerp) from seed_a's latent to seed_b's (GANs and VAEs); a conditional
        model keeps one class along the row (class_label, or seed_a mod the number of classes when < 0)."""
        from ..edit import decode, interpolate, random_latents
        from ..edit.space import check_latent_model

        entry, model = self.entry(label), self.model(label)
        check_latent_model(model)
        if not 2 <= int(steps) <= 32:
            raise ConfigError(f"steps {steps}: expected 2..32 images in the strip")
        with self._lock, torch.no_grad():
            ends = [random_latents(model, 1, make_generator(int(s))) for s in (seed_a, seed_b)]
            z = interpolate(ends[0][0], ends[1][0], int(steps))
            if entry.num_classes and (class_label is None or class_label < 0):
                class_label = int(seed_a) % entry.num_classes
            images = decode(model, z, self._labels(entry, class_label, int(steps)))
        return grid_image(images, nrow=int(steps))

    # --- edit -----------------------------------------------------------------------------------
    def load_upload(self, source) -> Upload:
        if source is None:
            raise DataError("no image: upload one first")
        return read_upload(source, self.max_pixels)

    def edit(self, operation: str, image: Image.Image, mask=None, method: str = "telea", scale: int = 2,
             sigma: float | None = None, style: str = "") -> tuple[Image.Image, Image.Image]:
        """Run one edit on an uploaded image: (result, before|after)."""
        if image is None:
            raise DataError("no image: upload one first")
        image = read_upload(image, self.max_pixels).image
        if operation == "inpaint":
            if mask is None:
                raise ConfigError("no mask: draw over the part to fill, or upload a mask (white = fill)")
            hole = read_mask(mask, image.size)
            run = lambda: operations.inpaint(image, hole, method)  # noqa: E731
        elif operation == "superres":
            if image.width * image.height * int(scale) ** 2 > self.max_pixels:
                raise DataError(f"{image.width}x{image.height} x{scale} would exceed {self.max_pixels:,} pixels")
            run = lambda: operations.superres(image, int(scale), method)  # noqa: E731
        elif operation in ("denoise", "restyle", "colorize"):
            run = {"denoise": lambda: operations.denoise(image, sigma),
                   "restyle": lambda: operations.restyle(image, style),
                   "colorize": lambda: operations.colorize(image)}[operation]
        else:
            raise ConfigError(f"edit {operation!r}: expected inpaint, superres, denoise, restyle or colorize")
        with self._lock:
            result = run()
        return result, side_by_side(image, result)

    # --- explore --------------------------------------------------------------------------------
    def _model_images(self, model, sources) -> torch.Tensor:
        """Uploads resized and centre-cropped to the model's size and channels: (N, C, S, S) in [-1, 1]."""
        from ..data.transforms import resize_and_center_crop
        from ..images import to_float, to_uint8

        pictures = [pil_to_tensor(self.load_upload(s).image, channels=model.config.channels) for s in sources]
        return torch.cat([to_float(resize_and_center_crop(to_uint8(p)[None], model.config.image_size))
                          for p in pictures])

    def interpolate_images(self, label: str, first, second, steps: int = 8, inversion_steps: int = 150,
                           class_label: int | None = None) -> Image.Image:
        """Invert two uploads into the model's latent space and decode the walk between them."""
        from ..edit import decode, interpolate, invert

        entry, model = self.entry(label), self.model(label)
        images = self._model_images(model, [first, second])
        labels = self._image_classes(entry, model, images, class_label)
        with self._lock:
            found = invert(model, images, y=labels, steps=int(inversion_steps), restarts=1)
            with torch.no_grad():
                z = interpolate(found.latents[0], found.latents[1], int(steps))
                # a conditional model: A's class for the first half of the walk, B's for the second
                walk_labels = None if labels is None else labels[(torch.arange(int(steps)) * 2 >= int(steps)).long()]
                walk = decode(model, z, walk_labels)
        return grid_image(torch.cat([images[:1], walk, images[1:]]), nrow=int(steps) + 2)

    def _image_classes(self, entry: ModelEntry, model, images: torch.Tensor, class_label: int | None):
        """Classes (2,) of two images for a conditional model: `class_label`, else the shipped MNIST
        classifier's prediction for 28x28 gray 10-class models; None for an unconditional model."""
        if not entry.num_classes:
            return None
        if class_label is not None and class_label >= 0:
            return self._labels(entry, class_label, len(images))
        if (model.config.image_size, model.config.channels, entry.num_classes) != (28, 1, 10):
            raise ConfigError("a conditional model needs the images' class: give a class")
        from ..metrics.domain import shipped_classifier

        with torch.no_grad():
            return shipped_classifier("mnist").logits(images).argmax(dim=1)

    def neighbours(self, label: str, seed: int = 0, count: int = 4, k: int = 5) -> Image.Image:
        """Samples (first column) and their k nearest training images by pixel distance."""
        from ..data import load_dataset
        from ..explain import nearest_neighbours

        entry, model = self.entry(label), self.model(label)
        with self._lock, torch.no_grad():
            samples = model.sample(int(count), y=self._labels(entry, None, int(count)),
                                   generator=make_generator(int(seed)))
        reference = load_dataset("embedded-mnist", split="train") if model.config.image_size == 28 else None
        if reference is None:
            raise ConfigError("neighbours need the training images: only 28x28 models use the embedded MNIST")
        indices, _ = nearest_neighbours(samples, reference, k=int(k))
        found = reference.batch(indices.reshape(-1))[0].reshape(int(count), int(k), *samples.shape[1:])
        return grid_image(torch.cat([samples[:, None], found], dim=1).flatten(0, 1), nrow=int(k) + 1)

    def nll_map(self, label: str, source) -> tuple[Image.Image, str]:
        """Per-pixel NLL heat map of an upload (models with pixel_log_prob); (image | heat map, total)."""
        from ..explain import heatmap_overlay, pixel_nll_map
        from ..explain.likelihood import check_pixel_likelihood

        model = self.model(label)
        check_pixel_likelihood(model)
        images = self._model_images(model, [source])
        if getattr(model, "input_kind", "continuous") == "binary":
            images = torch.where(images > 0, 1.0, -1.0)
        with self._lock:
            maps = pixel_nll_map(model, images)
        overlay = heatmap_overlay(images, maps)
        picture = grid_image(torch.cat([images.expand(-1, overlay.shape[1], -1, -1), overlay]), nrow=2)
        return picture, f"{float(maps.sum()):.1f} nats summed over pixels"

    # --- evaluate -------------------------------------------------------------------------------
    def evaluate(self, label: str, limit: int = 500) -> str:
        """Markdown: the recorded metrics of a shipped model, or a fresh `pixelforge eval` of a checkpoint."""
        from ..evaluate import evaluate, format_results

        entry = self.entry(label)
        if entry.shipped:
            config = self.model(label).checkpoint_config
            lines = [f"**{entry.label}**: {entry.summary}", "", "Recorded when it was trained "
                     "(`pixelforge eval RUN` re-runs the metrics on a training run):", ""]
            for metric, result in sorted(config.get("evaluation", {}).items()):
                value = result.get("value") if isinstance(result, dict) else result
                shown = f"{value:.4g}" if isinstance(value, (int, float)) else str(value)
                unit = result.get("unit", "") if isinstance(result, dict) else ""
                command = result.get("command", "") if isinstance(result, dict) else ""
                lines.append(f"- **{metric}**: {shown} {unit}" + (f" (`{command}`)" if command else ""))
            return "\n".join(lines if config.get("evaluation") else lines[:1] + ["", "no metrics recorded"])
        with self._lock:
            report = evaluate(entry.path, metrics=("auto",), limit=int(limit), num_samples=int(limit),
                              progress=False, html=False)
        return f"**{entry.label}**\n\n```\n{format_results(report)}\n```"


def mask_from_editor(value) -> np.ndarray | None:
    """The drawn layer of a Gradio ImageEditor value ({"layers": [...]}) as (H, W, 4) uint8, or None."""
    if not isinstance(value, dict) or not value.get("layers"):
        return None
    layers = [np.asarray(layer) for layer in value["layers"] if layer is not None]
    drawn = [layer for layer in layers if layer.ndim == 3 and layer.shape[2] == 4 and layer[..., 3].any()]
    return np.maximum.reduce(drawn) if drawn else None
