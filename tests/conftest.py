"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

# The project's real offline datasets live in shared/ beside the repository.
SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def _refused_url() -> str:
    """A local URL nothing listens on: a download from it fails at once instead of hanging."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


_NO_MIRROR = _refused_url()


@pytest.fixture(scope="session")
def shared_datasets() -> Path:
    """The folder of real datasets (MNIST, Fashion-MNIST, CIFAR-10, faces ...); required on CI."""
    if not SHARED_DATASETS.is_dir():
        message = f"the real datasets folder {SHARED_DATASETS} is missing"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATASETS


@pytest.fixture(autouse=True)
def _offline_and_private_data_root(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reaches the internet or writes to the user's cache: the default data root is a
    fresh temporary folder and downloads may only use a local mirror (a refused port unless a
    test sets PIXELFORGE_MIRROR to its own server)."""
    monkeypatch.setenv("PIXELFORGE_DATA", str(tmp_path_factory.mktemp("data_root")))
    monkeypatch.setenv("PIXELFORGE_MIRROR", _NO_MIRROR)
    monkeypatch.setenv("PIXELFORGE_MIRROR_ONLY", "1")
