"""Load test of `pixelforge studio`: N concurrent clients for T seconds, mixing generate and edit requests.

    python benchmarks/studio_load.py --clients 20 --seconds 60

Starts `python -m pixelforge studio` on 127.0.0.1 in a subprocess, then runs `--clients`
threads, each with its own gradio_client.Client, each sending requests back to back in a
fixed rotation: generate (16 DCGAN samples), inpaint (the shipped learned inpainter, a 100x80 hole in Set5
butterfly.png), super-resolution x2 (bicubic) and a conditional generate. Reports every
request's latency (submit to result, queue waiting included), the errors, and throughput.
The studio queues CPU work (one inference job at a time), so latency grows with clients
while every request succeeds.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import print_table, write_results  # noqa: E402

SET5 = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "restoration" / "Set5" / "butterfly.png"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_studio(port: int) -> subprocess.Popen:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    server = subprocess.Popen([sys.executable, "-m", "pixelforge", "studio", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.5)
    server.kill()
    raise SystemExit("the studio did not start within 120 s")


def requests(image: str, mask: str):
    """The rotation each client sends: (kind, api_name, arguments)."""
    from gradio_client import handle_file

    editor = {"background": None, "layers": [], "composite": None}
    return [
        ("generate", "/generate", ["dcgan_mnist (shipped)", 0, 16, -1, 0, 0, 0]),
        ("inpaint", "/edit", [handle_file(image), editor, handle_file(mask), "inpaint", "learned", "bicubic", 2, 0, None]),
        ("superres", "/edit", [handle_file(image), editor, None, "superres", "learned", "bicubic", 2, 0, None]),
        ("generate_class", "/generate", ["conditional_dcgan_mnist (shipped)", 1, 16, 3, 0, 0, 0]),
    ]


def client_loop(url: str, index: int, stop_at: float, image: str, mask: str, records: list, lock) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=False, analytics_enabled=False)
    rotation = requests(image, mask)
    step = index  # clients start at different points of the rotation
    while time.time() < stop_at:
        kind, api_name, arguments = rotation[step % len(rotation)]
        step += 1
        started = time.perf_counter()
        error = None
        try:
            result = client.predict(*arguments, api_name=api_name)
            status = result[-1] if isinstance(result, (list, tuple)) else ""
            if isinstance(status, str) and status.startswith("**Error"):
                error = status
            elif result[0] is None or (api_name == "/edit" and "done" not in status):
                error = f"no image in the answer ({status!r})"
        except Exception as failure:  # noqa: BLE001 (counted and reported)
            error = f"{type(failure).__name__}: {failure}"
        with lock:
            records.append({"kind": kind, "seconds": time.perf_counter() - started, "error": error,
                            "finished": time.time()})


def summarise(records: list[dict], kind: str, seconds: float) -> dict:
    chosen = [r for r in records if kind == "all" or r["kind"] == kind]
    latencies = sorted(r["seconds"] for r in chosen)
    quantile = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else None  # noqa
    return {"metric": f"latency_{kind}", "kind": kind, "requests": len(chosen),
            "errors": sum(r["error"] is not None for r in chosen), "p50_s": quantile(0.5), "p95_s": quantile(0.95),
            "max_s": latencies[-1] if latencies else None, "mean_s": statistics.fmean(latencies) if latencies else None,
            "requests_per_s": len(chosen) / seconds, "value": quantile(0.95), "unit": "s (p95)"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--image", default=str(SET5), help="the photo the edit requests send (default: Set5 butterfly)")
    parser.add_argument("--results-dir", help="write the JSON here instead of benchmarks/results (smoke runs)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="studio-load-"))
    photo = Image.open(args.image)
    hole = np.zeros((photo.height, photo.width), np.uint8)
    hole[60:140, 80:180] = 255
    Image.fromarray(hole).save(work / "mask.png")
    port = free_port()
    wall = time.time()
    server = start_studio(port)
    try:
        records, lock = [], threading.Lock()
        stop_at = time.time() + args.seconds
        threads = [threading.Thread(target=client_loop, args=(f"http://127.0.0.1:{port}/", i, stop_at, args.image,
                                                               str(work / "mask.png"), records, lock))
                   for i in range(args.clients)]
        started = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.time() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = [summarise(records, kind, elapsed) for kind in ("all", "generate", "generate_class", "inpaint", "superres")]
    print_table(rows, ["kind", "requests", "errors", "p50_s", "p95_s", "max_s", "requests_per_s"])
    errors = sorted({r["error"] for r in records if r["error"]})[:5]
    for error in errors:
        print("error:", error)
    protocol = {"clients": args.clients, "seconds": args.seconds, "elapsed_s": elapsed, "server": "127.0.0.1, "
                "`python -m pixelforge studio`, Gradio queue, one inference job at a time (concurrency_id "
                "'inference', limit 1)", "latency": "client.predict wall time: submit, queue wait, run, result",
                "rotation": [kind for kind, _, _ in requests(args.image, str(work / "mask.png"))],
                "image": Path(args.image).name, "cpu_note": "2-core machine shared with other processes",
                "first_errors": errors}
    path = write_results("studio_load", rows, time.time() - wall, {"protocol": protocol},
                         directory=Path(args.results_dir) if args.results_dir else None)
    print(f"written: {path}")


if __name__ == "__main__":
    main()
