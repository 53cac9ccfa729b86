"""ImageDataset: a whole dataset held in memory as uint8, served as float images in [-1, 1]."""

from __future__ import annotations

from typing import Sequence

import torch

from ..errors import DataError
from ..images import to_float


class ImageDataset:
    """Images (uint8 (N, C, H, W), C = 1 or 3) with optional int64 labels (N,) and class names.

    `images[i]` as float32 (C, H, W) in [-1, 1] and its label (-1 when
    unlabelled) is `dataset[i]`, so it also works as a torch map-style dataset;
    `batch(indices)` gathers many at once. `source` names the file(s) or
    folder the data was read from ("embedded" for the packaged MNIST files);
    `skipped` counts unreadable image files skipped while loading.
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor | None = None,
                 class_names: Sequence[str] | None = None, *, name: str, split: str, source: str,
                 skipped: int = 0) -> None:
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] not in (1, 3):
            raise DataError(f"{name}: images are {images.dtype} {tuple(images.shape)}; "
                            f"expected uint8 (N, C, H, W) with C = 1 or 3")
        if labels is not None:
            labels = labels.to(torch.int64)
            if labels.shape != (images.shape[0],):
                raise DataError(f"{name}: {tuple(labels.shape)} labels for {images.shape[0]} images; "
                                f"expected one label per image")
            if class_names is None:
                class_names = [str(label) for label in range(int(labels.max()) + 1 if len(labels) else 0)]
            if len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < len(class_names):
                raise DataError(f"{name}: labels range {int(labels.min())}..{int(labels.max())}; "
                                f"expected 0..{len(class_names) - 1} for {len(class_names)} classes")
        self.images = images
        self.labels = labels
        self.class_names = list(class_names) if labels is not None and class_names is not None else None
        self.name, self.split, self.source, self.skipped = name, split, source, skipped

    @property
    def num_classes(self) -> int:
        """The number of classes; 0 when the dataset has no labels."""
        return len(self.class_names) if self.class_names is not None else 0

    @property
    def channels(self) -> int:
        return int(self.images.shape[1])

    @property
    def image_size(self) -> tuple[int, int]:
        """(H, W) of every image."""
        return int(self.images.shape[2]), int(self.images.shape[3])

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        """Image `index` as float32 (C, H, W) in [-1, 1], and its label (-1 when unlabelled)."""
        label = int(self.labels[index]) if self.labels is not None else -1
        return to_float(self.images[index]), label

    def batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Images at `indices` (B,) as float32 (B, C, H, W) in [-1, 1], and int64 labels (B,) or None."""
        labels = self.labels[indices] if self.labels is not None else None
        return to_float(self.images[indices]), labels

    def subset(self, indices: torch.Tensor | Sequence[int]) -> ImageDataset:
        """A new dataset of the images at `indices` (same name, split, source and class names)."""
        indices = torch.as_tensor(indices, dtype=torch.int64)
        labels = self.labels[indices] if self.labels is not None else None
        return ImageDataset(self.images[indices], labels, self.class_names, name=self.name,
                            split=self.split, source=self.source, skipped=self.skipped)

    def describe(self) -> dict:
        """A JSON-able summary: name, split, num_images, channels, image_size [H, W], num_classes, source, skipped."""
        return {"name": self.name, "split": self.split, "num_images": len(self), "channels": self.channels,
                "image_size": list(self.image_size), "num_classes": self.num_classes,
                "source": self.source, "skipped": self.skipped}

    def __repr__(self) -> str:
        return (f"ImageDataset(name={self.name!r}, split={self.split!r}, num_images={len(self)}, "
                f"channels={self.channels}, image_size={self.image_size}, num_classes={self.num_classes})")
