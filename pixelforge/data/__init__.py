"""Datasets for pixelforge: MNIST, Fashion-MNIST, CIFAR-10 and image folders, held in memory.

    from pixelforge.data import load_dataset
    dataset = load_dataset("mnist", split="train", image_size=32)   # found, downloaded or embedded
    x, y = dataset.batch(torch.arange(64))                          # (64, 1, 32, 32) in [-1, 1], (64,)

Every problem with a file or folder raises pixelforge.errors.DataError.
"""

from .dataset import ImageDataset
from .load import default_data_root, download_dataset, inspect_dataset, list_datasets, load_dataset
from .transforms import FIXED_BINARIZATION_PROTOCOL, binarize_dynamic, binarize_fixed

__all__ = [
    "ImageDataset",
    "load_dataset",
    "download_dataset",
    "list_datasets",
    "inspect_dataset",
    "default_data_root",
    "binarize_dynamic",
    "binarize_fixed",
    "FIXED_BINARIZATION_PROTOCOL",
]
