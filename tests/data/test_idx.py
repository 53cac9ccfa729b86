"""MNIST / Fashion-MNIST IDX reading on the real files, and on damaged copies of them."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
import torch

from pixelforge.data import load_dataset
from pixelforge.errors import DataError

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def _copy_t10k(source: Path, destination: Path, gunzip: bool = False) -> Path:
    destination.mkdir(parents=True, exist_ok=True)
    for kind in ("images-idx3", "labels-idx1"):
        name = f"t10k-{kind}-ubyte.gz"
        if gunzip:
            (destination / name.removesuffix(".gz")).write_bytes(gzip.decompress((source / name).read_bytes()))
        else:
            shutil.copy(source / name, destination / name)
    return destination


def test_mnist_train_and_test_counts(shared_datasets: Path) -> None:
    train = load_dataset("mnist", split="train", data_root=shared_datasets)
    test = load_dataset(shared_datasets / "MNIST" / "raw", split="test")
    assert (len(train), len(test)) == (60000, 10000)
    assert train.images.shape == (60000, 1, 28, 28) and train.images.dtype == torch.uint8
    assert torch.bincount(train.labels).tolist() == MNIST_TRAIN_COUNTS
    assert torch.bincount(test.labels).tolist() == MNIST_TEST_COUNTS
    assert (int(train.labels[0]), int(test.labels[0])) == (5, 7)  # the well-known first digits
    assert train.name == test.name == "mnist" and train.class_names == [str(digit) for digit in range(10)]
    assert int(train.images.max()) == 255 and int(train.images[:, :, 0, 0].max()) == 0  # black corners


def test_fashion_mnist_counts_and_names(shared_datasets: Path) -> None:
    train = load_dataset("fashion-mnist", split="train", data_root=shared_datasets)
    test = load_dataset("fashion-mnist", split="test", data_root=shared_datasets)
    assert torch.bincount(train.labels).tolist() == [6000] * 10
    assert torch.bincount(test.labels).tolist() == [1000] * 10
    assert train.class_names[9] == "Ankle boot" and test.image_size == (28, 28)


def test_raw_ungzipped_files_match_gzipped(shared_datasets: Path, tmp_path: Path) -> None:
    raw = _copy_t10k(shared_datasets / "MNIST" / "raw", tmp_path / "plain", gunzip=True)
    plain = load_dataset(raw, split="test")
    packed = load_dataset(shared_datasets / "MNIST" / "raw", split="test")
    assert torch.equal(plain.images, packed.images) and torch.equal(plain.labels, packed.labels)


def test_single_images_file_with_and_without_labels(shared_datasets: Path, tmp_path: Path) -> None:
    folder = _copy_t10k(shared_datasets / "MNIST" / "raw", tmp_path / "pair")
    labelled = load_dataset(folder / "t10k-images-idx3-ubyte.gz")
    assert labelled.split == "test" and labelled.num_classes == 10 and len(labelled) == 10000
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(folder / "t10k-images-idx3-ubyte.gz", alone)
    unlabelled = load_dataset(alone / "t10k-images-idx3-ubyte.gz")
    assert unlabelled.labels is None and unlabelled.num_classes == 0 and unlabelled[0][1] == -1
    assert torch.equal(unlabelled.images, labelled.images)


def test_torchvision_root_layout(shared_datasets: Path, tmp_path: Path) -> None:
    _copy_t10k(shared_datasets / "FashionMNIST" / "raw", tmp_path / "root" / "FashionMNIST" / "raw")
    from_root = load_dataset(tmp_path / "root", split="test")
    from_raw = load_dataset(tmp_path / "root" / "FashionMNIST" / "raw", split="test")
    assert from_root.name == from_raw.name == "fashion-mnist"
    assert from_root.class_names[0] == "T-shirt/top" and torch.equal(from_root.images, from_raw.images)


def test_truncated_gzip_names_the_file(shared_datasets: Path, tmp_path: Path) -> None:
    folder = _copy_t10k(shared_datasets / "MNIST" / "raw", tmp_path)
    images_file = folder / "t10k-images-idx3-ubyte.gz"
    images_file.write_bytes(images_file.read_bytes()[:500_000])
    with pytest.raises(DataError, match="gzip") as error:
        load_dataset(folder, split="test")
    assert str(images_file) in str(error.value)


def test_truncated_idx_data_reports_header_size(shared_datasets: Path, tmp_path: Path) -> None:
    folder = _copy_t10k(shared_datasets / "MNIST" / "raw", tmp_path, gunzip=True)
    images_file = folder / "t10k-images-idx3-ubyte"
    images_file.write_bytes(images_file.read_bytes()[:-784])
    with pytest.raises(DataError, match=r"truncated.*10000x28x28") as error:
        load_dataset(images_file)
    assert str(images_file) in str(error.value)


def test_bad_magic_number(shared_datasets: Path, tmp_path: Path) -> None:
    folder = _copy_t10k(shared_datasets / "MNIST" / "raw", tmp_path, gunzip=True)
    images_file = folder / "t10k-images-idx3-ubyte"
    images_file.write_bytes(b"\x00\x00\x08\x01" + images_file.read_bytes()[4:])  # a labels magic
    with pytest.raises(DataError, match=r"magic number 2049.*expected 2051") as error:
        load_dataset(folder, split="test")
    assert str(images_file) in str(error.value)


def test_label_count_mismatch(shared_datasets: Path, tmp_path: Path) -> None:
    folder = _copy_t10k(shared_datasets / "MNIST" / "raw", tmp_path)
    labels_file = folder / "t10k-labels-idx1-ubyte.gz"
    shutil.copy(shared_datasets / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz", labels_file)
    with pytest.raises(DataError, match="60000 labels.*10000 images") as error:
        load_dataset(folder, split="test")
    assert str(labels_file) in str(error.value)


def test_labels_file_given_directly_is_refused(shared_datasets: Path) -> None:
    with pytest.raises(DataError, match="labels file"):
        load_dataset(shared_datasets / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz")
