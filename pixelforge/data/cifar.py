"""CIFAR-10 "python version" batches, from a cifar-10-batches-py folder or any tar holding one.

Each batch is a pickled dict with 'data' (uint8 array (N, 3072): 1024 red, 1024
green, then 1024 blue values, row-major over 32x32) and 'labels' (N ints);
batches.meta holds 'label_names'. The pickles are read with an unpickler that
can only rebuild numpy arrays, so a crafted file cannot run code.
"""

from __future__ import annotations

import codecs
import io
import lzma
import pickle
import tarfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError

try:
    from numpy._core import multiarray as _multiarray, numeric as _numeric
except ImportError:  # numpy < 2
    from numpy.core import multiarray as _multiarray, numeric as _numeric

BATCH_NAMES = {"train": tuple(f"data_batch_{number}" for number in range(1, 6)), "test": ("test_batch",)}
META_NAME = "batches.meta"
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2")

# The only globals a pickled numpy array needs: numpy 1.x and 2.x module names, protocol 2
# (which rebuilds bytes through _codecs.encode under Python 3) and protocol 5 (_frombuffer).
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
}


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles plain containers and numpy arrays; any other global is refused."""

    def __init__(self, file: io.BufferedIOBase, origin: str) -> None:
        super().__init__(file, encoding="latin1")  # the official batches are Python 2 pickles
        self.origin = origin

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise DataError(f"{self.origin}: the pickle asks for {module}.{name}; a CIFAR batch may only "
                            f"hold numpy arrays, lists, strings and numbers, so it was not loaded") from None


def _unpickle(data: bytes, origin: str) -> object:
    try:
        return _NumpyOnlyUnpickler(io.BytesIO(data), origin).load()
    except DataError:
        raise
    except Exception as error:  # a damaged pickle can fail in many ways (EOFError, ValueError, ...)
        raise DataError(f"{origin}: corrupt or truncated pickle ({type(error).__name__}: {error}); "
                        f"expected a CIFAR-10 python batch") from None


def _batch_arrays(content: object, origin: str) -> tuple[np.ndarray, np.ndarray]:
    """A batch dict -> images uint8 (N, 3, 32, 32) and labels int64 (N,)."""
    expected = "expected a dict with 'data' (uint8 array of shape (N, 3072)) and 'labels' (N ints)"
    if not isinstance(content, dict):
        raise DataError(f"{origin}: holds a {type(content).__name__}; {expected}")
    data, labels = content.get("data"), content.get("labels")
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2 and data.shape[1] == 3072):
        found = f"{data.dtype} array {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DataError(f"{origin}: 'data' is {found}; {expected}")
    if labels is None or len(labels) != len(data):
        found = "missing" if labels is None else f"{len(labels)} labels for {len(data)} images"
        raise DataError(f"{origin}: 'labels' is {found}; {expected}")
    return data.reshape(-1, 3, 32, 32), np.asarray(labels, dtype=np.int64)


def _class_names(meta: bytes | None, origin: str) -> list[str] | None:
    if meta is None:
        return None
    content = _unpickle(meta, origin)
    names = content.get("label_names") if isinstance(content, dict) else None
    if not (isinstance(names, list) and all(isinstance(name, str) for name in names)):
        raise DataError(f"{origin}: expected a dict with 'label_names' (a list of strings)")
    return names


def _assemble(batches: dict[str, bytes], split: str, meta: bytes | None,
              origin: str) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    missing = [name for name in BATCH_NAMES[split] if name not in batches]
    if missing:
        raise DataError(f"{origin}: missing CIFAR-10 batch(es) {', '.join(missing)} for the {split} split; "
                        f"expected {', '.join(BATCH_NAMES[split])}")
    parts = [_batch_arrays(_unpickle(batches[name], f"{origin}/{name}"), f"{origin}/{name}")
             for name in BATCH_NAMES[split]]
    images = np.concatenate([part[0] for part in parts]) if len(parts) > 1 else parts[0][0]
    labels = np.concatenate([part[1] for part in parts]) if len(parts) > 1 else parts[0][1]
    return images, labels, _class_names(meta, f"{origin}/{META_NAME}")


def is_cifar_folder(folder: Path) -> bool:
    return any((folder / name).is_file() for names in BATCH_NAMES.values() for name in names)


def is_tar_path(path: Path) -> bool:
    return path.name.lower().endswith(TAR_SUFFIXES)


def read_cifar_folder(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """A cifar-10-batches-py folder -> images uint8 (N, 3, 32, 32), labels int64 (N,), class names or None."""
    batches = {name: (folder / name).read_bytes() for name in BATCH_NAMES[split] if (folder / name).is_file()}
    meta_path = folder / META_NAME
    return _assemble(batches, split, meta_path.read_bytes() if meta_path.is_file() else None, str(folder))


def read_cifar_tar(path: Path, split: str) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """A tar (plain, gzip, xz or bz2) holding the batches -> the same as `read_cifar_folder`.

    The archive is read as a stream and left as soon as the split's batches and
    batches.meta are in hand: compressed tars cannot seek, and the test batch
    of an xz archive is far cheaper to reach than the whole file.
    """
    wanted = set(BATCH_NAMES[split]) | {META_NAME}
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(path, mode="r|*") as archive:
            for member in archive:
                name = member.name.rsplit("/", 1)[-1]
                if member.isfile() and name in wanted and name not in found:
                    found[name] = archive.extractfile(member).read()
                    if wanted <= found.keys():
                        break
    except (tarfile.TarError, OSError, EOFError, lzma.LZMAError, zlib.error) as error:
        raise DataError(f"{path}: corrupt or truncated tar archive ({type(error).__name__}: {error}); "
                        f"expected a tar holding cifar-10-batches-py") from None
    meta = found.pop(META_NAME, None)
    return _assemble(found, split, meta, str(path))
