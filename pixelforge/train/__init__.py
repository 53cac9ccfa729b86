"""Training: one trainer for every family, checkpoints, EMA and DDP."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..config import DataConfig, TrainConfig
from ..data import ImageDataset, load_dataset
from ..errors import ConfigError
from ..models.base import PixelforgeModel
from ..registry import create_model
from ..runtime import seed_everything
from .checkpoint import load, read_config, resolve_checkpoint, save_model
from .trainer import StepCallback, Trainer, TrainResult

DATA_SHAPE_OPTIONS = ("image_size", "channels", "num_classes")  # set by the training data, not inherited

__all__ = ["train", "Trainer", "TrainResult", "load", "save_model", "load_training_data"]


def load_training_data(data_config: DataConfig) -> ImageDataset:
    return load_dataset(data_config.source, split=data_config.split, image_size=data_config.image_size,
                        channels=data_config.channels, data_root=data_config.data_root,
                        skip_unreadable=data_config.skip_unreadable)


def _build_model(name: str, dataset: ImageDataset, overrides: dict) -> PixelforgeModel:
    """Create `name` for the dataset's image size, channels and (for conditional models) classes."""
    height, width = dataset.image_size
    if height != width:
        raise ConfigError(f"{dataset.name}: images are {height}x{width}; models need square images: "
                          f"pass image_size to crop them")
    shape = {"image_size": height, "channels": dataset.channels}
    if create_model(name).config.num_classes > 0 or overrides.get("num_classes", 0) > 0:
        if dataset.num_classes == 0:
            raise ConfigError(f"model {name!r} needs class labels but {dataset.name} has none: "
                              f"use a dataset with labels (an image folder with one subfolder per class)")
        shape["num_classes"] = dataset.num_classes
    return create_model(name, **{**shape, **overrides})


def _check_learning_rate(model: PixelforgeModel, config: TrainConfig) -> None:
    """Refuse a learning_rate the model would ignore (GANs set one per objective in their config)."""
    own = [objective for objective in model.objectives if "lr" in model.optimizer_settings(objective)]
    if own and config.learning_rate != TrainConfig().learning_rate:
        names = ", ".join(f"lr_{objective}" for objective in own)
        raise ConfigError(f"{model.registered_name} sets its learning rates per objective ({names}; e.g. --set "
                          f"lr_generator=1e-4): learning_rate={config.learning_rate} (--lr) would be ignored")


def initialize_from(network: PixelforgeModel, source: str | Path) -> dict:
    """Copy the weights saved in `source` into `network` (same model, same shapes); returns the record of
    where they came from (nesting the source's own record when it was itself initialized from weights)."""
    from .export import load_exported

    saved = load_exported(source)
    if saved.registered_name != network.registered_name:
        raise ConfigError(f"init_from={source}: it holds a {saved.registered_name!r} model, not "
                          f"{network.registered_name!r}")
    try:
        network.load_state_dict(saved.state_dict())
    except RuntimeError as error:
        lines = str(error).splitlines()  # "Error(s) in loading state_dict ...:", then one line per mismatch
        detail = lines[1].strip() if len(lines) > 1 else str(error)
        raise ConfigError(f"init_from={source}: its weights do not fit the {network.registered_name} being trained "
                          f"(use the same model options as the saved model): {detail}") from None
    config = saved.checkpoint_config
    record = {"path": str(source), "model_config": config["model"]["config"],
              "step": config.get("exported", {}).get("step", config.get("step")),
              "evaluation": config.get("evaluation", {})}
    if "initialized_from" in config:
        record["initialized_from"] = config["initialized_from"]
    return record


def train(model: str, data: DataConfig | str | None = None, run_dir: str | Path = "runs/run",
          config: TrainConfig | None = None, model_overrides: dict | None = None, resume: bool = False,
          callbacks: list[StepCallback] | None = None, dataset: ImageDataset | None = None,
          init_from: str | Path | None = None) -> TrainResult:
    """Train registered model `model` on `data` into `run_dir`; returns losses, speed and the checkpoint.

    `data` defaults to the embedded MNIST. With `resume=True` and a checkpoint in `run_dir`,
    the model, data and training configs come from that checkpoint (a given `config` may only
    raise `steps`; a given `data` must name the same source), and training continues exactly
    where it stopped. `init_from` (a weights, checkpoint or run folder of the same model) starts a
    new run from those weights (the EMA ones where saved), and with that model's options unless
    `model_overrides` changes them, with a fresh optimizer and schedule:
    fine-tuning, or more training of shipped weights. The checkpoints record where they came from; a
    resumed run continues from its checkpoint and ignores `init_from`.
    """
    given_data = data
    data = "embedded-mnist" if data is None else data
    data_config = data if isinstance(data, DataConfig) else DataConfig(source=str(data))
    config = config or TrainConfig()
    checkpoint_dir, initialized_from = None, None
    if resume and (Path(run_dir) / "checkpoints" / "latest").is_file():
        checkpoint_dir = resolve_checkpoint(run_dir)
        saved = read_config(checkpoint_dir)
        if saved["model"]["name"] != model:
            raise ConfigError(f"{run_dir} holds a {saved['model']['name']!r} run, not {model!r}")
        saved_data = DataConfig(**saved["data"]["config"])
        if given_data is not None and data_config.source != saved_data.source:
            raise ConfigError(f"{run_dir} was trained on {saved_data.source!r}, not {data_config.source!r}: "
                              f"resume without a data source or with the same one")
        data_config = saved_data
        config = dataclasses.replace(TrainConfig(**saved["training"]), steps=config.steps)
        model_overrides = saved["model"]["config"]
        initialized_from = saved.get("initialized_from")
    if init_from is not None and checkpoint_dir is None:  # the saved model's options, under the given ones
        inherited = read_config(resolve_checkpoint(init_from))["model"]["config"]
        model_overrides = {**{k: v for k, v in inherited.items() if k not in DATA_SHAPE_OPTIONS},
                           **(model_overrides or {})}
    dataset = dataset if dataset is not None else load_training_data(data_config)
    seed_everything(config.seed)
    network = _build_model(model, dataset, dict(model_overrides or {}))
    _check_learning_rate(network, config)
    if init_from is not None and checkpoint_dir is None:
        initialized_from = initialize_from(network, init_from)
    trainer = Trainer(network, dataset, run_dir, config, data_config, callbacks)
    trainer.initialized_from = initialized_from
    if checkpoint_dir is not None:
        trainer.restore(checkpoint_dir)
    return trainer.fit()
