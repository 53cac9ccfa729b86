"""Downloads from a local HTTP server holding the real MNIST files; the internet is never contacted."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch

from pixelforge.data import load_dataset
from pixelforge.data.download import download_files, file_urls
from pixelforge.data.sources import CIFAR10, FASHION_MNIST, MNIST
from pixelforge.errors import DataError


class _QuietHandler(SimpleHTTPRequestHandler):
    requests: list[str]

    def log_message(self, format, *args) -> None:
        self.requests.append(self.path)


@pytest.fixture
def serve():
    """serve(folder) -> (base URL of an HTTP server on 127.0.0.1 serving folder, list of requested paths)."""
    servers = []

    def start(folder: Path) -> tuple[str, list[str]]:
        requests: list[str] = []
        handler = type("Handler", (_QuietHandler,), {"requests": requests})
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/", requests

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_download_lands_files_with_checked_md5(shared_datasets: Path, tmp_path: Path, serve, monkeypatch) -> None:
    base, requests = serve(shared_datasets / "MNIST" / "raw")
    monkeypatch.setenv("PIXELFORGE_MIRROR", base)
    train = load_dataset("mnist", split="train", data_root=tmp_path)
    raw = tmp_path / "MNIST" / "raw"
    assert sorted(path.name for path in raw.iterdir()) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    assert [_md5(raw / remote.name) for remote in MNIST.files["train"]] == [r.md5 for r in MNIST.files["train"]]
    assert len(train) == 60000 and str(raw / "train-images-idx3-ubyte.gz") in train.source
    load_dataset("mnist", split="train", data_root=tmp_path)  # second time: found on disk
    assert sorted(requests) == ["/train-images-idx3-ubyte.gz", "/train-labels-idx1-ubyte.gz"]


def test_checksum_mismatch_deletes_the_download(shared_datasets: Path, tmp_path: Path, serve, monkeypatch) -> None:
    served = tmp_path / "served"
    served.mkdir()
    damaged = bytearray((shared_datasets / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    damaged[100] ^= 0xFF
    (served / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(damaged))
    shutil.copy(shared_datasets / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz", served)
    base, _ = serve(served)
    monkeypatch.setenv("PIXELFORGE_MIRROR", base)
    root = tmp_path / "root"
    with pytest.raises(DataError) as error:
        load_dataset("mnist", split="test", data_root=root, download=True)
    message = str(error.value)
    assert f"{base}t10k-labels-idx1-ubyte.gz" in message
    assert "ec29112dd5afa0611ce80d1b7f02629c" in message and hashlib.md5(damaged).hexdigest() in message
    assert [path.name for path in (root / "MNIST" / "raw").iterdir()] == ["t10k-images-idx3-ubyte.gz"]


def test_unreachable_mirror_gives_one_message_with_paths(tmp_path: Path) -> None:
    # The autouse fixture points PIXELFORGE_MIRROR at a refused local port, with PIXELFORGE_MIRROR_ONLY=1.
    with pytest.raises(DataError) as error:
        load_dataset("fashion-mnist", split="test", data_root=tmp_path)
    message = str(error.value)
    for remote in FASHION_MNIST.files["test"]:
        assert str(tmp_path / "FashionMNIST" / "raw" / remote.name) in message and remote.md5 in message
    assert "could not download 2 file(s)" in message and "by hand" in message
    assert not list(tmp_path.rglob("*.tmp-*"))


def test_download_false_never_asks_the_network(tmp_path: Path, serve, monkeypatch) -> None:
    base, requests = serve(tmp_path)
    monkeypatch.setenv("PIXELFORGE_MIRROR", base)
    with pytest.raises(DataError, match="download=False") as error:
        load_dataset("cifar10", split="test", data_root=tmp_path / "root", download=False)
    assert str(tmp_path / "root" / "cifar-10-python.tar.gz") in str(error.value)
    assert "c58f30108f718f92721af3b95e74349a" in str(error.value) and requests == []


def test_mnist_test_split_falls_back_to_embedded_files(shared_datasets: Path, tmp_path: Path) -> None:
    test = load_dataset("mnist", split="test", data_root=tmp_path, download=False)
    official = load_dataset(shared_datasets / "MNIST" / "raw", split="test")
    assert test.source == "embedded" and torch.equal(test.images, official.images)
    assert torch.equal(test.labels, official.labels) and not any(tmp_path.iterdir())


def test_next_mirror_is_tried_after_a_dead_one(shared_datasets: Path, tmp_path: Path, serve, monkeypatch) -> None:
    monkeypatch.delenv("PIXELFORGE_MIRROR")
    dead, _ = serve(tmp_path)  # answers 404 for every file
    live, _ = serve(shared_datasets / "MNIST" / "raw")
    known = dataclasses.replace(MNIST, mirrors=(dead, live))
    destination = tmp_path / "out" / "t10k-labels-idx1-ubyte.gz"
    download_files(known, [(MNIST.files["test"][1], destination)])
    assert _md5(destination) == "ec29112dd5afa0611ce80d1b7f02629c"


def test_mirror_override_order(monkeypatch) -> None:
    monkeypatch.setenv("PIXELFORGE_MIRROR", "http://mirror.local/data")
    monkeypatch.delenv("PIXELFORGE_MIRROR_ONLY")
    assert file_urls(CIFAR10, "cifar-10-python.tar.gz") == [
        "http://mirror.local/data/cifar-10-python.tar.gz",
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    ]
    assert file_urls(MNIST, "x.gz")[1:] == ["https://ossci-datasets.s3.amazonaws.com/mnist/x.gz",
                                             "http://yann.lecun.com/exdb/mnist/x.gz"]
    monkeypatch.setenv("PIXELFORGE_MIRROR_ONLY", "1")
    assert file_urls(MNIST, "x.gz") == ["http://mirror.local/data/x.gz"]


def test_cli_data_download_fetches_both_splits(shared_datasets: Path, tmp_path: Path, serve, monkeypatch) -> None:
    from pixelforge.cli import main

    base, _ = serve(shared_datasets / "FashionMNIST" / "raw")
    monkeypatch.setenv("PIXELFORGE_MIRROR", base)
    assert main(["data", "download", "fashion-mnist", "--data-root", str(tmp_path)]) == 0
    raw = tmp_path / "FashionMNIST" / "raw"
    assert len(list(raw.glob("*-ubyte.gz"))) == 4
    assert [_md5(raw / remote.name) for split in ("train", "test") for remote in FASHION_MNIST.files[split]] == [
        remote.md5 for split in ("train", "test") for remote in FASHION_MNIST.files[split]]
