"""Plots saved as PNG (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_training_curves(records: list[dict], path: Path, keys: list[str] | None = None) -> Path:
    """Plot each logged loss (default: every 'loss/...' key) against the step; returns `path`."""
    keys = keys or sorted({key for record in records for key in record if key.startswith("loss/")})
    figure, axis = plt.subplots(figsize=(6, 3.5), dpi=110)
    for key in keys:
        points = [(r["step"], r[key]) for r in records if key in r]
        if points:
            steps, values = zip(*points)
            axis.plot(steps, values, label=key.removeprefix("loss/"))
    axis.set_xlabel("step")
    axis.set_ylabel("loss (nats/image)" if len(keys) == 1 else "loss")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
