"""Shared by every benchmark: machine description, the JSON result file, common options."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import sys
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    affinity = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"cpu": cpu, "cpu_count": os.cpu_count(), "cpu_affinity": affinity,
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "torch_threads": torch.get_num_threads(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "torch": torch.__version__, "python": platform.python_version(), "platform": platform.platform()}


def write_results(name: str, results: list[dict], wall_seconds: float, extra: dict | None = None,
                  directory: Path | None = None) -> Path:
    """Write NAME.json in the project's benchmark format into `directory` (default benchmarks/results;
    smoke runs pass a temporary folder so that only real runs land in the results)."""
    directory = Path(directory) if directory is not None else RESULTS
    directory.mkdir(parents=True, exist_ok=True)
    data = {"command": "python " + " ".join(shlex.quote(a) for a in sys.argv), "machine": machine(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "wall_s": wall_seconds, "results": results, **(extra or {})}
    path = directory / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def print_table(rows: list[dict], columns: list[str]) -> None:
    widths = [max(len(c), *(len(_cell(r.get(c))) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(_cell(row.get(c)).ljust(w) for c, w in zip(columns, widths)))


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "" if value is None else str(value)


def add_sample_quality_options(parser: argparse.ArgumentParser, out: str, cache: Path) -> None:
    """The options every generative benchmark shares: sample and reference counts, data, folders, resume."""
    parser.add_argument("--num-samples", type=int, default=10_000, help="samples for FID/KID")
    parser.add_argument("--num-real", type=int, default=10_000, help="test images for FID/KID")
    parser.add_argument("--data-root", help="where mnist / fashion-mnist / cifar10 files are")
    parser.add_argument("--source", help="dataset path instead of the setup's named dataset")
    parser.add_argument("--cache-dir", default=str(cache), help="reference feature cache")
    parser.add_argument("--out", default=out, help="run folders")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run from its latest checkpoint")


def latest_checkpoint_step(run_dir: Path) -> int | None:
    """The step of a run folder's latest checkpoint (checkpoints/latest -> step-XXXXXXXX), or None."""
    latest = Path(run_dir) / "checkpoints" / "latest"
    return int(latest.read_text().strip().rsplit("-", 1)[-1]) if latest.is_file() else None


def training_parser(doc: str, minutes: float) -> argparse.ArgumentParser:
    """The options of a benchmark that trains shipped weights (--train) or evaluates them (default)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", action="store_true", help="train and write the shipped weights")
    parser.add_argument("--resume", action="store_true", help="continue the training run in benchmarks/cache")
    parser.add_argument("--minutes", type=float, default=minutes, help=f"training time limit (default: {minutes:g})")
    return parser


def train_or_evaluate(parser: argparse.ArgumentParser, train, evaluate) -> None:
    args = parser.parse_args()
    (train if args.train else evaluate)(args)
