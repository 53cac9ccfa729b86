"""Frozen configuration dataclasses and typed "key=value" overrides."""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

from .errors import ConfigError

LR_SCHEDULES = ("constant", "cosine", "linear")
PRECISIONS = ("fp32", "bf16", "fp16")
NONFINITE_POLICIES = ("stop", "skip")
OPTIMIZERS = ("adamw", "sgd")


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """Which images to train on: a dataset name or a path, and how to read them."""

    source: str = "embedded-mnist"
    split: str = "train"
    image_size: int | None = None
    channels: int | None = None
    data_root: str | None = None
    skip_unreadable: bool = False
    binarize: str = "auto"  # "auto": when the model wants binary input; "dynamic", "none"
    augment: str = "none"   # training augmentation: "none", "flip", "crop" or "flip_crop"

    def __post_init__(self) -> None:
        if self.augment not in ("none", "flip", "crop", "flip_crop"):
            raise ConfigError(f"augment={self.augment!r}: expected 'none', 'flip', 'crop' or 'flip_crop'")
        if self.binarize not in ("auto", "dynamic", "none"):
            raise ConfigError(f"binarize={self.binarize!r}: expected 'auto', 'dynamic' or 'none'")
        if self.image_size is not None and self.image_size < 4:
            raise ConfigError(f"image_size={self.image_size}: expected an integer >= 4")
        if self.channels not in (None, 1, 3):
            raise ConfigError(f"channels={self.channels}: expected 1 or 3")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """How to train: steps, batch, optimizer, schedule, EMA, precision, logging and checkpoints."""

    steps: int = 2000
    max_minutes: float = 0.0            # wall-clock budget: stop (and checkpoint) after it; 0 = no limit
    batch_size: int = 64                # global batch: divided among DDP processes
    learning_rate: float = 1e-3
    optimizer: str = "adamw"            # "adamw", or "sgd" (momentum 0.9, Nesterov)
    weight_decay: float = 0.0
    lr_schedule: str = "constant"       # "constant", "cosine" or "linear" decay to 0 after warm-up
    warmup_steps: int = 0
    grad_clip: float = 0.0              # max global gradient norm per objective; 0 = off
    ema_decay: float = 0.0              # 0 = no EMA weights; e.g. 0.999
    precision: str = "fp32"             # "bf16"/"fp16": mixed precision (CUDA)
    compile: bool = False               # torch.compile the model (opt-in)
    channels_last: bool = False         # NHWC memory layout (faster convolutions on many CPUs and GPUs)
    seed: int = 0
    device: str = "auto"
    log_every: int = 50
    sample_every: int = 500             # sample-grid PNG every N steps; 0 = only at the end
    checkpoint_every: int = 1000        # 0 = only at the end
    keep_checkpoints: int = 2
    on_nonfinite: str = "stop"          # "stop": raise, keeping the last good checkpoint; "skip": skip and count
    max_skipped_steps: int = 100        # with on_nonfinite="skip": stop after this many skipped steps
    num_grid_samples: int = 64

    def __post_init__(self) -> None:
        positive = ("steps", "batch_size", "log_every", "keep_checkpoints", "num_grid_samples")
        for field in positive:
            if getattr(self, field) < 1:
                raise ConfigError(f"{field}={getattr(self, field)}: expected a positive integer")
        for field in ("warmup_steps", "sample_every", "checkpoint_every", "max_skipped_steps"):
            if getattr(self, field) < 0:
                raise ConfigError(f"{field}={getattr(self, field)}: expected an integer >= 0")
        if not self.max_minutes >= 0:
            raise ConfigError(f"max_minutes={self.max_minutes}: expected a number >= 0 (0 = no limit)")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate={self.learning_rate}: expected a positive number")
        if not 0 <= self.ema_decay < 1:
            raise ConfigError(f"ema_decay={self.ema_decay}: expected a number in [0, 1)")
        if self.grad_clip < 0 or self.weight_decay < 0:
            raise ConfigError("grad_clip and weight_decay must be >= 0")
        for field, allowed in (("lr_schedule", LR_SCHEDULES), ("precision", PRECISIONS), ("optimizer", OPTIMIZERS),
                               ("on_nonfinite", NONFINITE_POLICIES)):
            if getattr(self, field) not in allowed:
                raise ConfigError(f"{field}={getattr(self, field)!r}: expected one of {allowed}")


def _parse_value(text: str, annotation: Any, key: str) -> Any:
    """Parse `text` as the type `annotation` (int, float, bool, str, or X | None)."""
    if isinstance(annotation, str):
        annotation = eval_annotation(annotation)
    args = typing.get_args(annotation)
    if type(None) in args:
        if text.lower() in ("none", "null"):
            return None
        annotation = next(a for a in args if a is not type(None))
    try:
        if annotation is bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return text.lower() in ("true", "1", "yes")
        if annotation in (int, float, str):
            return annotation(text)
        return json.loads(text)
    except ValueError:
        name = getattr(annotation, "__name__", str(annotation))
        raise ConfigError(f"override {key}={text!r}: expected a value of type {name}") from None


def eval_annotation(annotation: str) -> Any:
    """Resolve a postponed annotation string such as 'int | None'."""
    namespace = {"int": int, "float": float, "str": str, "bool": bool, "None": None}
    parts = [part.strip() for part in annotation.split("|")]
    types = [type(None) if part == "None" else namespace[part] for part in parts]
    return types[0] if len(types) == 1 else typing.Union[tuple(types)]


def parse_overrides(pairs: list[str], config_class: type) -> dict[str, Any]:
    """Turn ["latent_dim=16", "beta=4"] into typed values for `config_class`'s fields.

    An unknown key, a missing '=' or a value of the wrong type raises ConfigError.
    """
    fields = {field.name: field.type for field in dataclasses.fields(config_class)}
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep:
            raise ConfigError(f"override {pair!r}: expected KEY=VALUE")
        if key not in fields:
            raise ConfigError(f"unknown option {key!r} for {config_class.__name__}: expected one of {', '.join(fields)}")
        values[key] = _parse_value(text.strip(), fields[key], key)
    return values
