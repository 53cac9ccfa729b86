"""load_dataset's names, options and ImageDataset's API; binarization."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch

from pixelforge.data import (FIXED_BINARIZATION_PROTOCOL, ImageDataset, binarize_dynamic, binarize_fixed,
                             default_data_root, inspect_dataset, list_datasets, load_dataset)
from pixelforge.data.load import EMBEDDED_FOLDER
from pixelforge.errors import ConfigError, DataError
from pixelforge.runtime import make_generator


def test_list_datasets() -> None:
    assert list_datasets() == ["cifar10", "embedded-mnist", "fashion-mnist", "mnist"]


def test_default_data_root(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PIXELFORGE_DATA", str(tmp_path))
    assert default_data_root() == tmp_path
    monkeypatch.delenv("PIXELFORGE_DATA")
    assert default_data_root().parts[-2:] == ("pixelforge", "data")


def test_embedded_mnist_is_the_official_test_set_split_9000_1000(shared_datasets: Path) -> None:
    hashes = {path.name: hashlib.md5(path.read_bytes()).hexdigest() for path in EMBEDDED_FOLDER.glob("*.gz")}
    assert hashes == {"t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
                      "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}
    train, test = load_dataset("embedded-mnist"), load_dataset("embedded-mnist", split="test")
    official = load_dataset(shared_datasets / "MNIST" / "raw", split="test")
    assert (len(train), len(test)) == (9000, 1000) and train.source == test.source == "embedded"
    assert torch.equal(torch.cat([train.images, test.images]), official.images)
    assert torch.equal(torch.cat([train.labels, test.labels]), official.labels)


def test_unknown_name_split_and_options() -> None:
    with pytest.raises(DataError, match="did you mean 'mnist'"):
        load_dataset("mnsit")
    with pytest.raises(DataError, match="unknown split 'validation'"):
        load_dataset("embedded-mnist", split="validation")
    with pytest.raises(ConfigError, match="channels=2"):
        load_dataset("embedded-mnist", channels=2)
    with pytest.raises(ConfigError, match="image_size=0"):
        load_dataset("embedded-mnist", image_size=0)


def test_a_root_with_several_datasets_is_ambiguous(shared_datasets: Path) -> None:
    with pytest.raises(DataError, match="several datasets"):
        load_dataset(shared_datasets, split="test")


def test_resize_and_channels_for_mnist() -> None:
    native = load_dataset("embedded-mnist", split="test")
    resized = load_dataset("embedded-mnist", split="test", image_size=32, channels=3)
    assert resized.images.shape == (1000, 3, 32, 32) and torch.equal(resized.labels, native.labels)
    assert torch.equal(resized.images[:, 0], resized.images[:, 2])
    # Upsampling 28 -> 32 keeps the ink where it was: mean brightness barely moves.
    assert abs(resized.images.float().mean() - native.images.float().mean()) < 1.5


def test_items_batches_and_subsets() -> None:
    dataset = load_dataset("embedded-mnist", split="test")
    image, label = dataset[0]
    assert image.dtype == torch.float32 and image.shape == (1, 28, 28) and isinstance(label, int)
    assert torch.equal(image, dataset.images[0].float() / 127.5 - 1) and label == int(dataset.labels[0])
    everything, _ = dataset.batch(torch.arange(len(dataset)))
    assert (everything.min().item(), everything.max().item()) == (-1.0, 1.0)  # pixels 0 and 255
    images, labels = dataset.batch(torch.tensor([5, 0, 5]))
    assert images.shape == (3, 1, 28, 28) and labels.tolist() == [int(dataset.labels[5]), label, int(dataset.labels[5])]
    assert torch.equal(images[1], image)
    part = dataset.subset(torch.arange(10, 20))
    assert isinstance(part, ImageDataset) and len(part) == 10 and torch.equal(part.images, dataset.images[10:20])
    assert part.class_names == dataset.class_names and part.num_classes == 10
    summary = json.loads(json.dumps(dataset.describe()))
    assert summary == {"name": "embedded-mnist", "split": "test", "num_images": 1000, "channels": 1,
                       "image_size": [28, 28], "num_classes": 10, "source": "embedded", "skipped": 0}


def test_inspect_dataset_counts_and_pixels() -> None:
    report = inspect_dataset("embedded-mnist", split="test")
    counts = torch.bincount(load_dataset("embedded-mnist", split="test").labels).tolist()
    assert report["class_counts"] == {str(digit): counts[digit] for digit in range(10)}
    assert sum(report["class_counts"].values()) == 1000
    assert (report["pixel_min"], report["pixel_max"]) == (0, 255) and 20 < report["pixel_mean"] < 45
    json.dumps(report)


def test_binarize_fixed_is_deterministic_and_keeps_means() -> None:
    x, _ = load_dataset("embedded-mnist").batch(torch.arange(9000))
    first, second = binarize_fixed(x), binarize_fixed(x)
    assert torch.equal(first, second) and set(first.unique().tolist()) == {-1.0, 1.0}
    assert not torch.equal(first, binarize_fixed(x, seed=1))
    assert abs(((first + 1) / 2).mean() - ((x + 1) / 2).mean()) < 0.002
    assert "seed" in FIXED_BINARIZATION_PROTOCOL


def test_binarize_dynamic_follows_the_generator() -> None:
    x = torch.zeros(64, 1, 28, 28)  # probability 1/2 everywhere
    first = binarize_dynamic(x, make_generator(3))
    assert torch.equal(first, binarize_dynamic(x, make_generator(3)))
    assert not torch.equal(first, binarize_dynamic(x, make_generator(4)))
    assert abs(((first + 1) / 2).mean().item() - 0.5) < 0.01
    assert torch.equal(binarize_dynamic(torch.ones(4, 1, 2, 2), make_generator(0)), torch.ones(4, 1, 2, 2))
