"""CIFAR-10 batches from the real .tar.xz, from folders and other tars; damaged and hostile pickles."""

from __future__ import annotations

import hashlib
import pickle
import tarfile
from pathlib import Path

import pytest
import torch

from pixelforge.data import load_dataset
from pixelforge.errors import DataError

TEST_LABELS_SHA256 = "cec8a24a1e92aa2ecaa0bbd3dbfa86bf6cd8759fbd209a832824c8cf0afca9d5"
TEST_DATA_SHA256 = "177777c33ba79825320efa646ad04a94bdc3c80e4ebe3bd21724f8cdfd4b9d56"
BATCH_1_LABELS_SHA256 = "d829dbdf32167c9d7b3687cee66d92d80d46c441308b5aca0d11e8b69e27dac9"


def _sha256(tensor: torch.Tensor) -> str:
    return hashlib.sha256(tensor.numpy().tobytes()).hexdigest()


@pytest.fixture(scope="module")
def batches_folder(shared_datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """cifar-10-batches-py with the real batches.meta and test_batch (the first two tar members)."""
    folder = tmp_path_factory.mktemp("cifar") / "cifar-10-batches-py"
    folder.mkdir()
    with tarfile.open(shared_datasets / "CIFAR10" / "cifar-10-python.tar.xz", "r|xz") as archive:
        for member in archive:
            (folder / Path(member.name).name).write_bytes(archive.extractfile(member).read())
            if member.name.endswith("test_batch"):
                break
    return folder


def test_test_split_from_the_tar_xz(shared_datasets: Path) -> None:
    test = load_dataset("cifar10", split="test", data_root=shared_datasets)
    assert test.images.shape == (10000, 3, 32, 32) and test.images.dtype == torch.uint8
    assert torch.bincount(test.labels).tolist() == [1000] * 10
    assert _sha256(test.labels.to(torch.uint8)) == TEST_LABELS_SHA256
    assert _sha256(test.images) == TEST_DATA_SHA256  # channel-first rows, exactly as stored
    assert test.class_names[0] == "airplane" and test.class_names[9] == "truck"
    assert test.source.endswith("cifar-10-python.tar.xz")


def test_train_split_from_the_tar_xz(shared_datasets: Path) -> None:
    # The only test that decompresses the whole 130 MB archive (about 8 s).
    train = load_dataset(shared_datasets / "CIFAR10" / "cifar-10-python.tar.xz", split="train")
    assert len(train) == 50000 and torch.bincount(train.labels).tolist() == [5000] * 10
    assert _sha256(train.labels[:10000].to(torch.uint8)) == BATCH_1_LABELS_SHA256


def test_batches_folder_and_data_root_lookup(batches_folder: Path) -> None:
    from_folder = load_dataset(batches_folder, split="test")
    from_root = load_dataset("cifar10", split="test", data_root=batches_folder.parent, download=False)
    assert _sha256(from_folder.labels.to(torch.uint8)) == TEST_LABELS_SHA256
    assert torch.equal(from_folder.images, from_root.images)
    assert from_root.source == str(batches_folder)


def test_gzip_tar_as_officially_distributed(batches_folder: Path, tmp_path: Path) -> None:
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=1) as tar:
        tar.add(batches_folder, arcname="cifar-10-batches-py")
    test = load_dataset(archive, split="test", image_size=16, channels=1)
    assert test.images.shape == (10000, 1, 16, 16)
    assert _sha256(test.labels.to(torch.uint8)) == TEST_LABELS_SHA256


def test_missing_batch_is_named(batches_folder: Path) -> None:
    with pytest.raises(DataError, match="data_batch_1") as error:
        load_dataset(batches_folder, split="train")
    assert str(batches_folder) in str(error.value)


def test_truncated_pickle(batches_folder: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "test_batch").write_bytes((batches_folder / "test_batch").read_bytes()[:1_000_000])
    with pytest.raises(DataError, match="corrupt or truncated pickle") as error:
        load_dataset(folder, split="test")
    assert str(folder / "test_batch") in str(error.value)


def test_truncated_tar_xz(shared_datasets: Path, tmp_path: Path) -> None:
    archive = tmp_path / "cifar-10-python.tar.xz"
    archive.write_bytes((shared_datasets / "CIFAR10" / "cifar-10-python.tar.xz").read_bytes()[:2_000_000])
    with pytest.raises(DataError, match="corrupt or truncated tar") as error:
        load_dataset(archive, split="test")
    assert str(archive) in str(error.value)


class _Payload:
    """Unpickling this would create a file: the restricted unpickler must refuse it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_pickle_with_foreign_globals_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    marker = tmp_path / "was-executed"
    (folder / "test_batch").write_bytes(pickle.dumps({"data": _Payload(marker), "labels": []}, protocol=2))
    with pytest.raises(DataError, match=r"asks for io\.open") as error:
        load_dataset(folder, split="test")
    assert str(folder / "test_batch") in str(error.value)
    assert not marker.exists()
