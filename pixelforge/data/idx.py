"""MNIST-style IDX files (LeCun et al.'s format), gzip-compressed or raw.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number
of dimensions), one big-endian uint32 per dimension, then the data. MNIST and
Fashion-MNIST use unsigned bytes (type 0x08): images have magic 2051
(N x rows x columns) and labels magic 2049 (N).
"""

from __future__ import annotations

import gzip
import math
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError

_UNSIGNED_BYTE = 0x08
_GZIP_MAGIC = b"\x1f\x8b"
_SPLIT_PREFIXES = {"train": "train", "test": "t10k"}


def _decompressed_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(f"{path}: cannot read the file ({error.strerror or error})") from None
    if raw[:2] != _GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path}: corrupt or truncated gzip data ({error}); "
                        f"expected a complete gzip-compressed IDX file") from None


def read_idx(path: Path, num_dimensions: int) -> np.ndarray:
    """Read an unsigned-byte IDX file with `num_dimensions` dimensions (3: images, 1: labels) as uint8."""
    data = _decompressed_bytes(path)
    what = "images (magic 2051)" if num_dimensions == 3 else "labels (magic 2049)"
    expected_magic = (_UNSIGNED_BYTE << 8) | num_dimensions
    header_size = 4 + 4 * num_dimensions
    magic = int.from_bytes(data[:4], "big") if len(data) >= 4 else None
    if magic != expected_magic:
        found = "a file shorter than 4 bytes" if magic is None else f"magic number {magic} (0x{magic:08x})"
        raise DataError(f"{path}: not an IDX file of {what}: found {found}, expected {expected_magic}")
    if len(data) < header_size:
        raise DataError(f"{path}: truncated IDX header: {len(data)} bytes, expected at least {header_size}")
    shape = tuple(int.from_bytes(data[4 + 4 * axis:8 + 4 * axis], "big") for axis in range(num_dimensions))
    expected_size = math.prod(shape)
    available = len(data) - header_size
    if available != expected_size:
        problem = "truncated" if available < expected_size else "has trailing bytes"
        raise DataError(f"{path}: {problem}: the header says {'x'.join(map(str, shape))} = {expected_size} bytes "
                        f"of data, but the file holds {available}")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape).copy()


def images_file_in(folder: Path, split: str) -> Path | None:
    """The IDX images file of `split` in `folder` by the standard names (gzipped or raw), or None."""
    prefix = _SPLIT_PREFIXES[split]
    for name in (f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-images-idx3-ubyte",
                 f"{prefix}-images.idx3-ubyte.gz", f"{prefix}-images.idx3-ubyte"):
        if (folder / name).is_file():
            return folder / name
    return None


def labels_file_for(images_path: Path) -> Path | None:
    """The labels file beside an images file by the standard naming (images/idx3 -> labels/idx1), or None."""
    name = images_path.name.replace("images", "labels").replace("idx3", "idx1")
    base = name.removesuffix(".gz")
    for candidate in (name, base + ".gz", base):
        path = images_path.with_name(candidate)
        if path != images_path and path.is_file():
            return path
    return None


def split_of_file(path: Path) -> str | None:
    """'train' or 'test' from an IDX file's standard name (train-..., t10k-...), else None."""
    for split, prefix in _SPLIT_PREFIXES.items():
        if path.name.startswith(prefix):
            return split
    return None


def is_idx_folder(folder: Path) -> bool:
    return any(images_file_in(folder, split) is not None for split in _SPLIT_PREFIXES)


def read_idx_dataset(images_path: Path, labels_path: Path | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Images as uint8 (N, 1, rows, columns) and labels as int64 (N,) (None without a labels file)."""
    images = read_idx(images_path, 3)[:, None]
    if labels_path is None:
        return images, None
    labels = read_idx(labels_path, 1).astype(np.int64)
    if len(labels) != len(images):
        raise DataError(f"{labels_path}: holds {len(labels)} labels but {images_path} holds {len(images)} "
                        f"images; expected one label per image")
    return images, labels
