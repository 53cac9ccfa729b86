"""Image helpers: grids, atomic PNG saving, file <-> tensor round trips on real images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from pixelforge.errors import DataError
from pixelforge.images import (load_image, make_grid, pil_to_tensor, read_image_uint8, save_image_grid,
                               tensor_to_pil, to_float, to_uint8)


def test_grid_shape_and_placement() -> None:
    images = -torch.ones(10, 1, 28, 28)
    images[7] = 1.0  # row 1, column 2 with 5 per row
    grid = make_grid(images, nrow=5)
    assert grid.shape == (2 * 30 + 2, 5 * 30 + 2, 1) and grid.dtype == np.uint8
    top, left = 2 + 30, 2 + 2 * 30
    assert (grid[top:top + 28, left:left + 28] == 255).all()
    assert grid.sum() == 255 * 28 * 28  # padding and every other image are 0
    assert make_grid(torch.zeros(5, 3, 8, 8)).shape == (2 * 10 + 2, 3 * 10 + 2, 3)  # ceil(sqrt(5)) = 3 per row


def test_save_grid_writes_a_png_atomically(shared_datasets: Path, tmp_path: Path) -> None:
    faces = torch.stack([load_image(shared_datasets / "faces" / "ORL" / "s1" / f"{n}.pgm") for n in range(1, 5)])
    path = save_image_grid(faces, tmp_path / "grids" / "faces.png", nrow=2)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(np.asarray(Image.open(path)), make_grid(faces, nrow=2)[:, :, 0])
    assert [child.name for child in path.parent.iterdir()] == ["faces.png"]  # no temporary left
    with pytest.raises(DataError, match="suffix"):
        save_image_grid(faces, tmp_path / "faces.unknown")


def test_png_round_trip_is_lossless(shared_datasets: Path, tmp_path: Path) -> None:
    original = shared_datasets / "restoration" / "Set5" / "bird.png"
    image = load_image(original)
    assert image.shape == (3, 288, 288) and image.dtype == torch.float32
    assert image.min() >= -1 and image.max() <= 1
    tensor_to_pil(image).save(tmp_path / "bird.png")
    assert torch.equal(load_image(tmp_path / "bird.png"), image)
    assert np.array_equal(np.asarray(tensor_to_pil(image)), np.asarray(Image.open(original).convert("RGB")))


def test_channel_conversion_and_pil(shared_datasets: Path) -> None:
    path = shared_datasets / "restoration" / "Set5" / "baby.png"
    gray = read_image_uint8(path, channels=1)
    assert np.array_equal(gray[0].numpy(), np.asarray(Image.open(path).convert("L")))
    face = Image.open(shared_datasets / "faces" / "ORL" / "s1" / "1.pgm")
    assert pil_to_tensor(face).shape == (1, 112, 92) and pil_to_tensor(face, channels=3).shape == (3, 112, 92)
    assert torch.equal(to_uint8(to_float(gray)), gray)


def test_sixteen_bit_images_are_scaled(shared_datasets: Path, tmp_path: Path) -> None:
    eight_bit = np.asarray(Image.open(shared_datasets / "restoration" / "Set12" / "01.png").convert("L"))
    Image.fromarray(eight_bit.astype(np.uint16) * 257).save(tmp_path / "deep.png")
    assert np.array_equal(read_image_uint8(tmp_path / "deep.png")[0].numpy(), eight_bit)


def test_unreadable_and_non_image_files(tmp_path: Path) -> None:
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(DataError, match="broken.jpg"):
        load_image(tmp_path / "broken.jpg")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match="not an image file"):
        load_image(tmp_path / "notes.txt")
    with pytest.raises(DataError, match="no such image file"):
        load_image(tmp_path / "missing.png")
