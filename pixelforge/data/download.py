"""Downloads of known dataset files: md5-checked, atomic, with a progress bar; urllib only.

Environment:
    PIXELFORGE_MIRROR       a base URL tried before the canonical mirrors (the file name is appended)
    PIXELFORGE_MIRROR_ONLY  "1": use PIXELFORGE_MIRROR alone, never the canonical mirrors
                            (air-gapped networks with an internal mirror; the test suite)
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from tqdm import tqdm

from ..errors import DataError
from .sources import KnownDataset, RemoteFile

TIMEOUT_SECONDS = 30.0
_CHUNK_BYTES = 1 << 20
# What a dead network or a missing file on one mirror looks like; the next mirror is tried.
_NETWORK_ERRORS = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


def file_urls(known: KnownDataset, file_name: str) -> list[str]:
    """The URLs to try for one file, in order (PIXELFORGE_MIRROR first when set)."""
    override = os.environ.get("PIXELFORGE_MIRROR", "").strip()
    bases = [override] if override else []
    if not (override and os.environ.get("PIXELFORGE_MIRROR_ONLY") == "1"):
        bases += list(known.mirrors)
    return [base.rstrip("/") + "/" + file_name for base in bases]


def _fetch(url: str, destination: Path, md5: str, timeout: float) -> None:
    """Stream `url` to a temporary file beside `destination`, check its md5, then move it into place."""
    temporary = destination.with_name(f"{destination.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        digest = hashlib.md5()
        with urllib.request.urlopen(url, timeout=timeout) as response, open(temporary, "wb") as output:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=destination.name, disable=None) as progress:
                while chunk := response.read(_CHUNK_BYTES):
                    output.write(chunk)
                    digest.update(chunk)
                    progress.update(len(chunk))
        if digest.hexdigest() != md5:
            raise DataError(f"{url}: checksum mismatch: expected md5 {md5}, got {digest.hexdigest()}; "
                            f"the download was deleted")
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


def manual_instructions(known: KnownDataset, missing: list[tuple[RemoteFile, Path]]) -> str:
    """Which files to put where, by hand, and where each comes from."""
    lines = ["Put these files in place by hand, then run again:"]
    for remote, path in missing:
        lines.append(f"  {path}")
        official = " or ".join(base + remote.name for base in known.mirrors)
        lines.append(f"      md5 {remote.md5}, from {official}")
    lines.append("Or pass data_root (or set PIXELFORGE_DATA) to a folder that already holds them.")
    return "\n".join(lines)


def download_files(known: KnownDataset, missing: list[tuple[RemoteFile, Path]],
                   timeout: float = TIMEOUT_SECONDS) -> None:
    """Download each (file, destination); raises one DataError listing every file when mirrors are unreachable.

    A checksum mismatch raises DataError at once (naming the URL and both md5s)
    and leaves no partial file behind.
    """
    failures: list[str] = []
    unreached: list[tuple[RemoteFile, Path]] = []
    for remote, destination in missing:
        if unreached:  # no mirror answered for an earlier file: don't wait on the network again
            unreached.append((remote, destination))
            continue
        for url in file_urls(known, remote.name):
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
                _fetch(url, destination, remote.md5, timeout)
                break
            except _NETWORK_ERRORS as error:
                failures.append(f"  {url}: {getattr(error, 'reason', None) or error}")
            except OSError as error:
                raise DataError(f"{destination}: cannot write the download ({error})") from None
        else:
            unreached.append((remote, destination))
    if unreached:
        raise DataError(f"{known.name}: could not download {len(unreached)} file(s); no mirror answered.\n"
                        + manual_instructions(known, unreached)
                        + "\nDownload attempts:\n" + "\n".join(failures))
