"""Image folders built from real images (ORL faces, restoration benchmarks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from pixelforge.data import load_dataset
from pixelforge.data.transforms import convert_channels, resize_and_center_crop
from pixelforge.errors import DataError


def _faces(shared_datasets: Path, destination: Path, people=("s1", "s2", "s3"), per_person: int = 3) -> Path:
    for person in people:
        (destination / person).mkdir(parents=True)
        for number in range(1, per_person + 1):
            shutil.copy(shared_datasets / "faces" / "ORL" / person / f"{number}.pgm", destination / person)
    return destination


def test_class_subfolders_give_labels(shared_datasets: Path, tmp_path: Path) -> None:
    folder = _faces(shared_datasets, tmp_path / "faces")
    (folder / "README.txt").write_text("not an image; ignored")
    faces = load_dataset(folder)
    assert faces.class_names == ["s1", "s2", "s3"] and faces.labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert faces.images.shape == (9, 1, 112, 92)  # ORL: 92 wide, 112 high, gray
    expected = np.asarray(Image.open(shared_datasets / "faces" / "ORL" / "s2" / "1.pgm"))
    assert np.array_equal(faces.images[3, 0].numpy(), expected)
    assert faces.describe()["num_classes"] == 3 and faces.name == "faces"


def test_mixed_sizes_need_image_size(shared_datasets: Path, tmp_path: Path) -> None:
    shutil.copytree(shared_datasets / "restoration" / "Set5", tmp_path / "set5")
    with pytest.raises(DataError, match="image_size"):
        load_dataset(tmp_path / "set5")
    set5 = load_dataset(tmp_path / "set5", image_size=64)
    assert set5.images.shape == (5, 3, 64, 64) and set5.labels is None and set5.num_classes == 0


def test_gray_and_colour_mix_defaults_to_rgb(shared_datasets: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(shared_datasets / "faces" / "ORL" / "s1" / "1.pgm", folder)
    shutil.copy(shared_datasets / "restoration" / "Set5" / "bird.png", folder)
    rgb = load_dataset(folder, image_size=32)
    gray = load_dataset(folder, image_size=32, channels=1)
    assert rgb.channels == 3 and gray.channels == 1
    face = rgb.images[0]  # 1.pgm sorts first; a gray image repeated over R, G, B
    assert torch.equal(face[0], face[1]) and torch.equal(face[1], face[2])


def test_unreadable_file_raises_or_is_skipped(shared_datasets: Path, tmp_path: Path) -> None:
    folder = _faces(shared_datasets, tmp_path / "faces", people=("s1",))
    broken = folder / "s1" / "broken.pgm"
    broken.write_bytes((folder / "s1" / "1.pgm").read_bytes()[:40])
    with pytest.raises(DataError, match="skip_unreadable") as error:
        load_dataset(folder)
    assert str(broken) in str(error.value)
    with pytest.warns(UserWarning, match="skipped 1 unreadable"):
        faces = load_dataset(folder, skip_unreadable=True)
    assert faces.skipped == 1 and len(faces) == 3 and faces.describe()["skipped"] == 1


def test_empty_folder_and_non_image_file(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match="no image files"):
        load_dataset(tmp_path / "empty")
    with pytest.raises(DataError, match="unsupported file type"):
        load_dataset(tmp_path / "empty" / "notes.txt")


def test_split_subfolders(shared_datasets: Path, tmp_path: Path) -> None:
    _faces(shared_datasets, tmp_path / "faces" / "train", per_person=2)
    _faces(shared_datasets, tmp_path / "faces" / "test", people=("s1", "s2", "s3"), per_person=1)
    assert len(load_dataset(tmp_path / "faces", split="train")) == 6
    test = load_dataset(tmp_path / "faces", split="test")
    assert len(test) == 3 and test.split == "test" and test.source == str(tmp_path / "faces" / "test")
    with pytest.raises(DataError, match="no 'val'"):
        load_dataset(tmp_path / "faces", split="val")


def test_resize_keeps_the_centre(shared_datasets: Path) -> None:
    # kodim01 is 768x512: its shorter side is already 512, so only the centre crop remains.
    image = np.array(Image.open(shared_datasets / "restoration" / "Kodak24" / "kodim01.png").convert("RGB"))
    pixels = torch.from_numpy(image).permute(2, 0, 1)[None]  # (1, 3, 512, 768)
    cropped = resize_and_center_crop(pixels, 512)
    assert torch.equal(cropped, pixels[:, :, :, 128:640])
    small = resize_and_center_crop(pixels, 64)
    assert small.shape == (1, 3, 64, 64)
    assert abs(small.float().mean() - pixels[:, :, :, 128:640].float().mean()) < 2.0


def test_rgb_to_gray_matches_pillow(shared_datasets: Path) -> None:
    picture = Image.open(shared_datasets / "restoration" / "Set5" / "butterfly.png").convert("RGB")
    pixels = torch.from_numpy(np.array(picture)).permute(2, 0, 1)[None]
    gray = convert_channels(pixels, 1)[0, 0].numpy()
    assert np.array_equal(gray, np.asarray(picture.convert("L")))
