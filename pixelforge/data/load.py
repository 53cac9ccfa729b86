"""load_dataset: known datasets by name (found, fetched or embedded) and datasets by path."""

from __future__ import annotations

import difflib
import hashlib
import os
from pathlib import Path

import numpy as np
import platformdirs
import torch

from ..errors import ConfigError, DataError
from ..images import IMAGE_SUFFIXES, read_image_uint8
from . import cifar, folder as image_folder, idx
from .dataset import ImageDataset
from .download import download_files, manual_instructions
from .sources import (CIFAR10, CIFAR10_CANDIDATES, EMBEDDED_MNIST, EMBEDDED_TRAIN_SIZE, FASHION_MNIST,
                      KNOWN_DATASETS, MNIST, SPLITS, KnownDataset, RemoteFile)
from .transforms import check_image_size, convert_channels, resize_and_center_crop

EMBEDDED_FOLDER = Path(__file__).resolve().parent / "embedded"
# torchvision-style layouts looked for inside a folder given as a path, relative to it.
_ROOT_LAYOUTS = ("raw", "MNIST/raw", "FashionMNIST/raw") + CIFAR10_CANDIDATES


def default_data_root() -> Path:
    """$PIXELFORGE_DATA, else the user cache folder: e.g. ~/.cache/pixelforge/data on Linux."""
    configured = os.environ.get("PIXELFORGE_DATA", "").strip()
    if configured:
        return Path(configured).expanduser()
    return platformdirs.user_cache_path("pixelforge", appauthor=False) / "data"


def list_datasets() -> list[str]:
    """The dataset names load_dataset knows, sorted."""
    return sorted([*KNOWN_DATASETS, EMBEDDED_MNIST])


def load_dataset(name_or_path: str | Path, split: str = "train", image_size: int | None = None,
                 channels: int | None = None, data_root: str | Path | None = None,
                 download: bool | None = None, skip_unreadable: bool = False) -> ImageDataset:
    """Load a whole dataset into memory as an ImageDataset (uint8 (N, C, H, W); items in [-1, 1]).

    `name_or_path` is a name from list_datasets() or a path:
      - an IDX images file (train-images-idx3-ubyte[.gz]; labels found beside it
        by the standard name, else unlabelled), or a folder holding the IDX files;
      - a cifar-10-batches-py folder, or a tar (.tar, .tar.gz, .tar.xz ...) holding it;
      - a torchvision root holding MNIST/raw, FashionMNIST/raw or CIFAR-10;
      - an image folder, flat or with one subfolder per class, optionally
        divided into train/ and test/ subfolders; or a single image file.
    `split` is "train" or "test" (for image folders, the name of a split
    subfolder when there are any; a single file is loaded whole).
    "embedded-mnist" is the official MNIST test set shipped in the package:
    its "train" split is images 0..8999, its "test" split images 9000..9999.

    Known datasets are looked up under `data_root` (default
    default_data_root()) in torchvision's layout. When missing, `download`
    None or True fetches them (md5-checked); False never touches the network.
    "mnist" test needs no download: unless download=True, missing files fall
    back to the identical embedded copy.
    `image_size` resizes (shorter side) and center-crops to a square;
    `channels` 1 or 3 converts gray/RGB (default: as stored; for image folders
    RGB when any image has colour). `skip_unreadable` skips (and counts in
    `.skipped`) image files that cannot be decoded instead of raising.
    Raises DataError naming the file and what was expected.
    """
    check_image_size(image_size)
    if channels not in (None, 1, 3):
        raise ConfigError(f"channels={channels!r}: expected None (as stored), 1 (gray) or 3 (RGB)")
    if isinstance(name_or_path, str) and name_or_path in list_datasets():
        dataset = _load_named(name_or_path, split, data_root, download)
    else:
        dataset = _load_path(Path(name_or_path).expanduser(), split, image_size, channels, skip_unreadable)
    return _fit(dataset, image_size, channels)


def inspect_dataset(name_or_path: str | Path, **options) -> dict:
    """describe() plus class_names, class_counts ({name: count}, None when unlabelled) and
    pixel_min / pixel_max / pixel_mean over all stored uint8 values (0..255). `options` as load_dataset."""
    dataset = load_dataset(name_or_path, **options)
    report = dataset.describe()
    report["class_names"] = dataset.class_names
    report["class_counts"] = None
    if dataset.labels is not None:
        counts = torch.bincount(dataset.labels, minlength=dataset.num_classes).tolist()
        report["class_counts"] = dict(zip(dataset.class_names, counts))
    report["pixel_min"] = int(dataset.images.min())
    report["pixel_max"] = int(dataset.images.max())
    report["pixel_mean"] = float(dataset.images.sum(dtype=torch.float64) / dataset.images.numel())
    return report


def download_dataset(name: str, data_root: str | Path | None = None) -> Path:
    """Fetch both splits of a known dataset into the data root (md5-checked); returns the root."""
    if name not in KNOWN_DATASETS:
        raise ConfigError(f"cannot download {name!r}: expected one of {', '.join(sorted(KNOWN_DATASETS))}")
    for split in SPLITS:
        _load_named(name, split, data_root, download=True)
    return Path(data_root).expanduser() if data_root is not None else default_data_root()


def _check_split(what: str, split: str) -> None:
    if split not in SPLITS:
        raise DataError(f"{what}: unknown split {split!r}; expected one of {', '.join(SPLITS)}")


def _fit(dataset: ImageDataset, image_size: int | None, channels: int | None) -> ImageDataset:
    """Resize/crop and convert channels where the stored images differ from what was asked."""
    images = dataset.images
    if image_size is not None and dataset.image_size != (image_size, image_size):
        images = resize_and_center_crop(images, image_size)
    if channels is not None and channels != dataset.channels:
        images = convert_channels(images, channels)
    if images is dataset.images:
        return dataset
    return ImageDataset(images, dataset.labels, dataset.class_names, name=dataset.name, split=dataset.split,
                        source=dataset.source, skipped=dataset.skipped)


def _labelled(images: np.ndarray, labels: np.ndarray | None, class_names, name: str, split: str,
              source: str) -> ImageDataset:
    return ImageDataset(torch.from_numpy(images), None if labels is None else torch.from_numpy(labels),
                        class_names, name=name, split=split, source=source)


# --- known datasets -------------------------------------------------------------------------

def _load_named(name: str, split: str, data_root: str | Path | None, download: bool | None) -> ImageDataset:
    _check_split(name, split)
    if name == EMBEDDED_MNIST:
        images, labels = _embedded_mnist_test()
        chosen = slice(0, EMBEDDED_TRAIN_SIZE) if split == "train" else slice(EMBEDDED_TRAIN_SIZE, None)
        return _labelled(images[chosen].copy(), labels[chosen].copy(), MNIST.class_names, name, split, "embedded")
    known = KNOWN_DATASETS[name]
    root = Path(data_root).expanduser() if data_root is not None else default_data_root()
    if known is CIFAR10:
        return _load_cifar10(root, split, download)
    folder = root / known.folder
    images_path = idx.images_file_in(folder, split)
    labels_path = idx.labels_file_for(images_path) if images_path else None
    if images_path is None or labels_path is None:
        if known is MNIST and split == "test" and download is not True:
            images, labels = _embedded_mnist_test()
            return _labelled(images, labels, MNIST.class_names, name, split, "embedded")
        images_file, labels_file = known.files[split]
        missing = [(remote, folder / remote.name)
                   for remote, present in ((images_file, images_path), (labels_file, labels_path)) if present is None]
        _fetch(known, split, root, missing, download)
        images_path = idx.images_file_in(folder, split)
        labels_path = idx.labels_file_for(images_path)
    images, labels = idx.read_idx_dataset(images_path, labels_path)
    return _labelled(images, labels, known.class_names, name, split, f"{images_path}, {labels_path}")


def _load_cifar10(root: Path, split: str, download: bool | None) -> ImageDataset:
    for candidate in CIFAR10_CANDIDATES:
        if (root / candidate).exists():
            return _read_cifar(root / candidate, split)
    archive = CIFAR10.files[split][0]
    _fetch(CIFAR10, split, root, [(archive, root / archive.name)], download)
    return _read_cifar(root / archive.name, split)


def _fetch(known: KnownDataset, split: str, root: Path, missing: list[tuple[RemoteFile, Path]],
           download: bool | None) -> None:
    if download is False:
        raise DataError(f"{known.name} ({split} split) is not under the data root {root}, and download=False.\n"
                        + manual_instructions(known, missing))
    download_files(known, missing)


def _embedded_mnist_test() -> tuple[np.ndarray, np.ndarray]:
    """The official MNIST t10k images (10000, 1, 28, 28) and labels shipped in the package, md5-checked."""
    paths = [EMBEDDED_FOLDER / remote.name for remote in MNIST.files["test"]]
    for path, remote in zip(paths, MNIST.files["test"]):
        if not path.is_file() or hashlib.md5(path.read_bytes()).hexdigest() != remote.md5:
            raise DataError(f"{path}: the packaged MNIST file is missing or damaged (expected md5 {remote.md5}); "
                            f"reinstall pixelforge")
    return idx.read_idx_dataset(*paths)


# --- datasets by path -----------------------------------------------------------------------

def _read_cifar(path: Path, split: str) -> ImageDataset:
    _check_split(str(path), split)
    read = cifar.read_cifar_folder if path.is_dir() else cifar.read_cifar_tar
    images, labels, class_names = read(path, split)
    return _labelled(images, labels, class_names or CIFAR10.class_names, CIFAR10.name, split, str(path))


def _read_idx_file(images_path: Path, split: str) -> ImageDataset:
    """An IDX images file (and its labels beside it, if any); named after a torchvision layout when in one."""
    labels_path = idx.labels_file_for(images_path)
    images, labels = idx.read_idx_dataset(images_path, labels_path)
    layout = images_path.parent  # torchvision keeps the files in ROOT/MNIST/raw or ROOT/FashionMNIST/raw
    known = {"MNIST": MNIST, "FashionMNIST": FASHION_MNIST}.get(layout.parent.name) if layout.name == "raw" else None
    name = known.name if known else images_path.parent.name
    source = f"{images_path}, {labels_path}" if labels_path else str(images_path)
    return _labelled(images, labels, known.class_names if known else None, name, split, source)


def _load_path(path: Path, split: str, image_size: int | None, channels: int | None,
               skip_unreadable: bool) -> ImageDataset:
    if not path.exists():
        close = difflib.get_close_matches(str(path), list_datasets(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise DataError(f"{path}: no such file or folder, and not a dataset name{hint}; "
                        f"expected a path or one of {', '.join(list_datasets())}")
    if path.is_dir():
        return _load_folder(path, split, image_size, channels, skip_unreadable)
    if cifar.is_tar_path(path):
        return _read_cifar(path, split)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        image = read_image_uint8(path, channels)
        return ImageDataset(image[None], name=path.stem, split=split, source=str(path))
    if "idx3" in path.name:
        return _read_idx_file(path, idx.split_of_file(path) or split)
    if "idx1" in path.name:
        raise DataError(f"{path}: this is an IDX labels file; pass the images file (…-images-idx3-ubyte) instead")
    raise DataError(f"{path}: unsupported file type; expected an IDX images file (…-images-idx3-ubyte[.gz]), "
                    f"a CIFAR-10 tar (.tar, .tar.gz, .tar.xz), an image ({', '.join(IMAGE_SUFFIXES)}) or a folder")


def _load_folder(folder: Path, split: str, image_size: int | None, channels: int | None,
                 skip_unreadable: bool) -> ImageDataset:
    if idx.is_idx_folder(folder):
        _check_split(str(folder), split)
        images_path = idx.images_file_in(folder, split)
        if images_path is None:
            raise DataError(f"{folder}: no IDX images file for the {split} split; expected "
                            f"{'t10k' if split == 'test' else 'train'}-images-idx3-ubyte[.gz]")
        return _read_idx_file(images_path, split)
    if cifar.is_cifar_folder(folder):
        return _read_cifar(folder, split)
    layouts = [folder / layout for layout in _ROOT_LAYOUTS if (folder / layout).exists()]
    layouts = [path for path in layouts if not path.is_dir() or idx.is_idx_folder(path) or cifar.is_cifar_folder(path)]
    if len(layouts) > 1:
        raise DataError(f"{folder}: holds several datasets ({', '.join(str(path) for path in layouts)}); "
                        f"expected one: pass its path")
    if layouts:
        return _load_path(layouts[0], split, image_size, channels, skip_unreadable)
    chosen = image_folder.split_folder(folder, split)
    files, labels, class_names = image_folder.list_image_files(chosen)
    images, labels, skipped = image_folder.read_images(files, labels, image_size, channels, skip_unreadable,
                                                       str(chosen))
    return ImageDataset(images, None if labels is None else torch.tensor(labels, dtype=torch.int64), class_names,
                        name=folder.name, split=split, source=str(chosen), skipped=skipped)
