"""Folders of image files: flat (unlabelled) or one subfolder per class (labels from sorted names).

    photos/a.png photos/b.jpg ...              -> unlabelled
    faces/alice/1.pgm faces/bob/1.pgm ...      -> labelled: class_names = ["alice", "bob"]
    digits/train/<class>/... digits/test/...   -> split subfolders: `split` picks one

Files with other suffixes and hidden files are ignored.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from ..errors import DataError
from ..images import IMAGE_SUFFIXES, read_image_uint8
from .transforms import convert_channels, resize_and_center_crop

SPLIT_FOLDER_NAMES = ("train", "test", "val", "valid", "validation")


def _image_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in IMAGE_SUFFIXES)


def _subfolders(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.is_dir() and not path.name.startswith("."))


def split_folder(folder: Path, split: str) -> Path:
    """`folder/split` when the folder is divided into split subfolders (train/, test/ ...), else `folder`."""
    splits = [path.name for path in _subfolders(folder) if path.name in SPLIT_FOLDER_NAMES]
    if not splits:
        return folder
    if split not in splits:
        raise DataError(f"{folder}: has split subfolders {', '.join(splits)} but no {split!r}; "
                        f"expected split to be one of them")
    return folder / split


def list_image_files(folder: Path) -> tuple[list[Path], list[int] | None, list[str] | None]:
    """The image files of a flat or class-per-subfolder folder, with labels and class names (or None)."""
    top_level = _image_files(folder)
    classes = [path for path in _subfolders(folder) if _image_files(path)]
    if classes and top_level:
        raise DataError(f"{folder}: holds both image files ({top_level[0].name}, ...) and class subfolders "
                        f"({classes[0].name}, ...); expected one or the other")
    if not classes:
        if not top_level:
            raise DataError(f"{folder}: no image files found; expected {', '.join(IMAGE_SUFFIXES)} files, "
                            f"directly or in one subfolder per class")
        return top_level, None, None
    files, labels = [], []
    for label, class_folder in enumerate(classes):
        class_files = _image_files(class_folder)
        files += class_files
        labels += [label] * len(class_files)
    return files, labels, [path.name for path in classes]


def read_images(files: list[Path], labels: list[int] | None, image_size: int | None,
                channels: int | None, skip_unreadable: bool, origin: str) -> tuple[torch.Tensor, list[int] | None, int]:
    """Decode `files` into uint8 (N, C, H, W); returns images, the labels of the kept files, and the skip count.

    `channels` None gives RGB when any image has colour, else gray. Without
    `image_size` all images must share one size.
    """
    images, kept_labels, skipped = [], [], 0
    for index, path in enumerate(files):
        try:
            image = read_image_uint8(path, channels)
        except DataError as error:
            if not skip_unreadable:
                raise DataError(f"{error} (pass skip_unreadable=True to skip unreadable files)") from None
            skipped += 1
            continue
        images.append(resize_and_center_crop(image[None], image_size)[0] if image_size else image)
        kept_labels.append(labels[index] if labels is not None else -1)
    if skipped:
        warnings.warn(f"{origin}: skipped {skipped} unreadable image file(s) of {len(files)}", stacklevel=3)
    if not images:
        raise DataError(f"{origin}: none of the {len(files)} image files could be read")
    sizes = {tuple(image.shape[1:]) for image in images}
    if len(sizes) > 1:
        examples = ", ".join(f"{height}x{width}" for height, width in sorted(sizes)[:3])
        raise DataError(f"{origin}: images have different sizes (H x W: {examples}, ...); pass image_size to "
                        f"resize and center-crop them to one square size")
    wanted = channels or max(image.shape[0] for image in images)
    batch = torch.cat([convert_channels(image[None], wanted) for image in images])
    return batch, (kept_labels if labels is not None else None), skipped
