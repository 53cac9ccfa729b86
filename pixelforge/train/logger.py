"""Training logs: JSONL on disk (one line per logged step) and TensorBoard when installed."""

from __future__ import annotations

import json
from pathlib import Path


class MetricsLog:
    """Append-only JSONL metrics log; mirrors scalars to TensorBoard if it is importable."""

    def __init__(self, path: Path, tensorboard_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tensorboard = None
        if tensorboard_dir is not None:
            try:
                from torch.utils.tensorboard import SummaryWriter
                self._tensorboard = SummaryWriter(str(tensorboard_dir))
            except ImportError:  # TensorBoard is optional
                self._tensorboard = None

    def truncate_after(self, step: int) -> None:
        """Drop lines logged after `step` (a resumed run repeats those steps)."""
        if not self.path.exists():
            return
        kept = [line for line in self.path.read_text().splitlines() if line and json.loads(line)["step"] <= step]
        self.path.write_text("".join(line + "\n" for line in kept))

    def write(self, record: dict) -> None:
        with self.path.open("a") as file:
            file.write(json.dumps(record, sort_keys=True) + "\n")
        if self._tensorboard is not None:
            for key, value in record.items():
                if key != "step" and isinstance(value, (int, float)):
                    self._tensorboard.add_scalar(key, value, record["step"])

    def close(self) -> None:
        if self._tensorboard is not None:
            self._tensorboard.close()


def read_metrics(path: Path) -> list[dict]:
    """The records of a JSONL metrics log, in order."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
