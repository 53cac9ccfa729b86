"""pixelforge: generate and edit images with neural networks.

    import pixelforge
    result = pixelforge.train("vae", "embedded-mnist", "runs/vae", pixelforge.TrainConfig(steps=500))
    model = pixelforge.load("runs/vae")
    images = model.sample(16, generator=pixelforge.make_generator(0))   # (16, 1, 28, 28) in [-1, 1]
"""

__version__ = "0.1.0"

from .config import DataConfig, TrainConfig, parse_overrides  # noqa: E402
from .errors import (CheckpointError, ConfigError, DataError, PixelforgeError,  # noqa: E402
                     TrainingError)
from .registry import create_model, list_models, register_model  # noqa: E402
from .runtime import choose_device, make_generator  # noqa: E402
from .data import list_datasets, load_dataset  # noqa: E402
from .train import load, save_model, train  # noqa: E402
from . import data, models  # noqa: E402,F401

__all__ = [
    "__version__", "DataConfig", "TrainConfig", "parse_overrides", "PixelforgeError", "DataError",
    "ConfigError", "CheckpointError", "TrainingError", "create_model", "list_models", "register_model",
    "choose_device", "make_generator", "list_datasets", "load_dataset", "load", "save_model", "train",
]
