"""The datasets pixelforge knows by name: where their files live under a data root, and where they come from.

Layouts under the data root follow torchvision's, so an existing torchvision
download is found as is:

    ROOT/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
    ROOT/FashionMNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
    ROOT/cifar-10-batches-py/  or  ROOT/cifar-10-python.tar.gz
"""

from __future__ import annotations

import dataclasses

SPLITS = ("train", "test")


@dataclasses.dataclass(frozen=True)
class RemoteFile:
    """One downloadable file: its name (also its name on disk) and the md5 of its bytes."""

    name: str
    md5: str


@dataclasses.dataclass(frozen=True)
class KnownDataset:
    """A dataset known by name. `folder` is relative to the data root; `files` maps split -> files."""

    name: str
    folder: str
    files: dict[str, tuple[RemoteFile, ...]]
    mirrors: tuple[str, ...]  # base URLs, tried in order; a file's URL is base + file name
    class_names: tuple[str, ...]


def _idx_files(md5s: dict[str, str]) -> dict[str, tuple[RemoteFile, ...]]:
    return {split: tuple(RemoteFile(f"{prefix}-{kind}-ubyte.gz", md5s[f"{prefix}-{kind}"])
                         for kind in ("images-idx3", "labels-idx1"))
            for split, prefix in (("train", "train"), ("test", "t10k"))}


MNIST = KnownDataset(
    name="mnist",
    folder="MNIST/raw",
    files=_idx_files({
        "train-images-idx3": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1": "ec29112dd5afa0611ce80d1b7f02629c",
    }),
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    class_names=tuple(str(digit) for digit in range(10)),
)

FASHION_MNIST = KnownDataset(
    name="fashion-mnist",
    folder="FashionMNIST/raw",
    files=_idx_files({
        "train-images-idx3": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1": "bb300cfdad3c16e7a12a480ee83cd310",
    }),
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
)

_CIFAR10_ARCHIVE = RemoteFile("cifar-10-python.tar.gz", "c58f30108f718f92721af3b95e74349a")

CIFAR10 = KnownDataset(
    name="cifar10",
    folder="",
    files={"train": (_CIFAR10_ARCHIVE,), "test": (_CIFAR10_ARCHIVE,)},
    mirrors=("https://www.cs.toronto.edu/~kriz/",),
    class_names=("airplane", "automobile", "bird", "cat", "deer",
                 "dog", "frog", "horse", "ship", "truck"),
)

# Where CIFAR-10 may already be, relative to the data root, in the order they are tried.
# The last is the layout of the project's shared offline copy (a rebuilt .tar.xz).
CIFAR10_CANDIDATES = ("cifar-10-batches-py", "cifar-10-python.tar.gz", "CIFAR10/cifar-10-python.tar.xz")

KNOWN_DATASETS = {known.name: known for known in (MNIST, FASHION_MNIST, CIFAR10)}

# The official MNIST test files ship inside the package (pixelforge/data/embedded/).
EMBEDDED_MNIST = "embedded-mnist"
EMBEDDED_TRAIN_SIZE = 9000  # embedded-mnist "train" = t10k images 0..8999, "test" = 9000..9999
