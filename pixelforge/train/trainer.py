"""One trainer for every model family.

It steps one optimizer per objective of the model, in the model's order (a GAN:
discriminator, then generator), and alone owns the device, DDP, mixed
precision, seeds, EMA, logging, sample grids and checkpoints. Every random draw
comes from generators whose state is checkpointed, and the data order is a
function of (seed, epoch), so a resumed run is bitwise equal to an
uninterrupted one on the same machine.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from pathlib import Path
from typing import Callable

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DistributedSampler
from tqdm.auto import tqdm

from .. import __version__
from ..config import DataConfig, TrainConfig
from ..data import ImageDataset, binarize_dynamic
from ..data.augment import augment_batch
from ..errors import CheckpointError, ConfigError, TrainingError
from ..images import save_image_grid
from ..models.base import GenerativeModel, PixelforgeModel, config_to_dict
from ..runtime import choose_device, make_generator, set_cpu_threads
from . import checkpoint as ckpt
from .distributed import any_true, barrier, device_for, gather_objects, init_world, mean_over_ranks
from .ema import EMA
from .logger import MetricsLog
from .state import flatten_optimizer, unflatten_optimizer

StepCallback = Callable[["Trainer", int], None]


@dataclasses.dataclass
class TrainResult:
    run_dir: Path
    checkpoint: Path | None
    steps: int
    final_losses: dict[str, float]
    images_per_second: float
    wall_seconds: float
    skipped_steps: int


def _lr_factor(config: TrainConfig, step: int) -> float:
    """Multiplier of the base learning rate at `step`: linear warm-up, then the schedule."""
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    if config.lr_schedule == "cosine":
        return 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))
    if config.lr_schedule == "linear":
        return max(0.0, 1 - progress)
    return 1.0


class Trainer:
    def __init__(self, model: PixelforgeModel, dataset: ImageDataset, run_dir: str | Path,
                 config: TrainConfig, data_config: DataConfig | None = None,
                 callbacks: list[StepCallback] | None = None) -> None:
        self.config, self.data_config = config, data_config or DataConfig()
        self.run_dir, self.dataset = Path(run_dir), dataset
        self.callbacks = callbacks or []
        set_cpu_threads()  # PIXELFORGE_THREADS, when set
        requested = choose_device(config.device)
        self.world = init_world(requested)
        self.device = device_for(self.world, requested)
        if config.batch_size % self.world.size:
            raise ConfigError(f"batch_size={config.batch_size} must divide evenly among {self.world.size} processes")
        self.local_batch = config.batch_size // self.world.size
        if len(dataset) // self.world.size < self.local_batch:
            raise ConfigError(f"the dataset has {len(dataset)} images, fewer than one batch of "
                              f"{config.batch_size}: lower batch_size")
        if config.precision == "fp16" and self.device.type != "cuda":
            raise ConfigError("precision='fp16' needs a CUDA device; use 'bf16' or 'fp32' on CPU")
        self.memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
        self.model = model.to(self.device, memory_format=self.memory_format)
        self.binarize = (self.data_config.binarize == "dynamic"
                         or (self.data_config.binarize == "auto" and model.input_kind == "binary"))
        self.optimizers = {objective: self._make_optimizer(objective) for objective in model.objectives}
        self.schedulers = {objective: torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: _lr_factor(config, step)) for objective, optimizer in self.optimizers.items()}
        self.scaler = torch.amp.GradScaler(self.device.type, enabled=config.precision == "fp16")
        self.ema = EMA(model, config.ema_decay) if config.ema_decay > 0 else None
        self.sampler = DistributedSampler(range(len(dataset)), num_replicas=self.world.size,
                                          rank=self.world.rank, shuffle=True, seed=config.seed, drop_last=True)
        # Every random draw of training comes from these two generators (checkpointed): the model's
        # noise, and the data pipeline's (augmentation, dynamic binarization).
        self.noise_generator = make_generator(config.seed * 1000 + self.world.rank + 1, self.device)
        self.data_generator = make_generator(config.seed * 1000 + self.world.rank + 2, "cpu")
        self.step, self.epoch, self.position, self.skipped_steps = 0, 0, 0, 0
        self._order, self._order_epoch = torch.empty(0, dtype=torch.long), -1
        self.last_checkpoint: Path | None = None
        self.initialized_from: dict | None = None  # set by train(init_from=...): the weights it started from
        self.network = self._wrap(model)
        self.generative = isinstance(model, GenerativeModel)

    # --- set-up ---------------------------------------------------------------------------
    def _make_optimizer(self, objective: str) -> torch.optim.Optimizer:
        parameters = self.model.parameters_for(objective)
        if self.config.optimizer == "sgd":
            return torch.optim.SGD(parameters, lr=self.config.learning_rate, momentum=0.9, nesterov=True,
                                   weight_decay=self.config.weight_decay)
        settings = {"lr": self.config.learning_rate, "betas": (0.9, 0.999),
                    "weight_decay": self.config.weight_decay, **self.model.optimizer_settings(objective)}
        return torch.optim.AdamW(parameters, **settings)

    def _wrap(self, model: PixelforgeModel) -> torch.nn.Module:
        network: torch.nn.Module = model
        if self.world.is_distributed:
            device_ids = [self.device.index] if self.device.type == "cuda" else None
            network = DistributedDataParallel(model, device_ids=device_ids,
                                              find_unused_parameters=len(model.objectives) > 1)
        if self.config.compile:
            network = torch.compile(network)
        return network

    # --- data -----------------------------------------------------------------------------
    def _epoch_order(self) -> torch.Tensor:
        """This process's share of the epoch's shuffled indices (DistributedSampler's split)."""
        if self._order_epoch != self.epoch:
            self.sampler.set_epoch(self.epoch)
            self._order, self._order_epoch = torch.tensor(list(self.sampler)), self.epoch
        return self._order

    def _next_batch(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The next per-process batch; the order is a function of (seed, epoch, position)."""
        order = self._epoch_order()
        if (self.position + 1) * self.local_batch > len(order):
            self.epoch, self.position = self.epoch + 1, 0
            order = self._epoch_order()
        indices = order[self.position * self.local_batch:(self.position + 1) * self.local_batch]
        self.position += 1
        x, y = self.dataset.batch(indices)
        if self.data_config.augment != "none":
            x = augment_batch(x, self.data_config.augment, self.data_generator)
        if self.binarize:
            x = binarize_dynamic(x, self.data_generator)
        if self.model.config.num_classes == 0:
            y = None  # unconditional: labels are not used
        x = x.to(self.device, memory_format=self.memory_format, non_blocking=True)
        return x, None if y is None else y.to(self.device)

    # --- one step -------------------------------------------------------------------------
    def _autocast(self):
        enabled = self.config.precision != "fp32"
        dtype = torch.bfloat16 if self.config.precision == "bf16" else torch.float16
        return torch.autocast(self.device.type, dtype=dtype, enabled=enabled)

    def train_step(self) -> dict[str, float] | None:
        """One step of every objective; None when a non-finite loss was skipped."""
        x, y = self._next_batch()
        losses: dict[str, float] = {}
        for objective in self.model.objectives_at(self.step):
            optimizer = self.optimizers[objective]
            with self._autocast():
                loss = self.network(x, y, objective=objective, generator=self.noise_generator)
            if any_true(not bool(torch.isfinite(loss)), self.world, self.device):
                return self._non_finite(objective, float(loss.detach()))
            optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(loss).backward()
            if self.config.grad_clip > 0:
                self.scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(self.model.parameters_for(objective), self.config.grad_clip)
            self.scaler.step(optimizer)
            self.scaler.update()
            losses[objective] = float(loss.detach())
        for scheduler in self.schedulers.values():  # schedules follow the step, stepped or not
            scheduler.step()
        if self.ema is not None:
            self.ema.update(self.model, self.step)
        return losses

    def _non_finite(self, objective: str, value: float) -> None:
        if self.config.on_nonfinite == "skip" and self.skipped_steps < self.config.max_skipped_steps:
            self.skipped_steps += 1
            for optimizer in self.optimizers.values():
                optimizer.zero_grad(set_to_none=True)
            return None
        kept = self.last_checkpoint or "none (no checkpoint had been written yet)"
        raise TrainingError(
            f"step {self.step + 1}: the {objective!r} loss is {value}, not a finite number; training stopped "
            f"({self.skipped_steps} steps skipped before). The last good checkpoint is kept: {kept}. "
            f"Try a lower learning_rate, grad_clip=1.0, or on_nonfinite=skip."
        )

    # --- the loop -------------------------------------------------------------------------
    def fit(self) -> TrainResult:
        config, main = self.config, self.world.is_main
        log = MetricsLog(self.run_dir / "metrics.jsonl", self.run_dir / "tensorboard") if main else None
        if log is not None:
            log.truncate_after(self.step)
        progress = tqdm(total=config.steps, initial=self.step, disable=not main, desc="train", unit="step",
                        dynamic_ncols=True)
        started, window_start, window_images = time.perf_counter(), time.perf_counter(), 0
        total_images, losses = 0, {}
        self.model.train()
        while self.step < config.steps:
            step_losses = self.train_step()
            self.step += 1
            if step_losses is not None:
                losses = {**losses, **step_losses}
            window_images += config.batch_size
            total_images += config.batch_size
            if self.step % config.log_every == 0 or self.step == config.steps:
                rate = window_images / max(time.perf_counter() - window_start, 1e-9)
                record = self._log_record(losses, rate)
                for message in self.model.health_warnings(record) if main else []:
                    progress.write(f"warning: {message}")
                    record.setdefault("warnings", []).append(message)
                if log is not None:
                    log.write(record)
                progress.set_postfix({k: f"{v:.4g}" for k, v in losses.items()} | {"img/s": f"{rate:.0f}"})
                window_start, window_images = time.perf_counter(), 0
            if config.sample_every and self.step % config.sample_every == 0 and main and self.generative:
                self.save_samples()
            if config.checkpoint_every and self.step % config.checkpoint_every == 0:
                self.save_checkpoint()
            progress.update(1)
            for callback in self.callbacks:
                callback(self, self.step)
            if self._out_of_time(started):
                progress.write(f"max_minutes={config.max_minutes} reached at step {self.step} of {config.steps}")
                break
        progress.close()
        if main and self.generative and (not config.sample_every or self.step % config.sample_every):
            self.save_samples()
        if not config.checkpoint_every or self.step % config.checkpoint_every:
            self.save_checkpoint()
        if log is not None:
            log.close()
        wall = time.perf_counter() - started
        return TrainResult(self.run_dir, self.last_checkpoint, self.step, losses,
                           total_images / max(wall, 1e-9), wall, self.skipped_steps)

    def _out_of_time(self, started: float) -> bool:
        """True once this run has spent `max_minutes` (every rank stops at the same step)."""
        if not self.config.max_minutes:
            return False
        spent = time.perf_counter() - started >= self.config.max_minutes * 60
        return any_true(spent, self.world, self.device)

    def _log_record(self, losses: dict[str, float], images_per_second: float) -> dict:
        record: dict = {"step": self.step, "epoch": self.epoch, "images_per_second": images_per_second,
                        "skipped_steps": self.skipped_steps}
        for objective, value in losses.items():
            record[f"loss/{objective}"] = mean_over_ranks(value, self.world, self.device)
        for name, value in self.model.last_terms.items():
            record[name] = mean_over_ranks(value, self.world, self.device)
        for objective, optimizer in self.optimizers.items():
            record[f"lr/{objective}"] = optimizer.param_groups[0]["lr"]
        return record

    # --- outputs --------------------------------------------------------------------------
    def sampling_model(self) -> GenerativeModel:
        """The model to sample from: a copy holding the EMA weights when EMA is on."""
        if self.ema is None:
            return self.model
        model = copy.deepcopy(self.model)
        model.load_state_dict(self.ema.state_dict())
        model.refresh_after_averaging()
        return model

    @torch.no_grad()
    def save_samples(self) -> Path:
        model = self.sampling_model()
        was_training = model.training
        model.eval()
        # A generator of its own, so that sampling never shifts the training draws.
        generator = make_generator(self.config.seed + 12345, self.device)
        images = model.sample(self.config.num_grid_samples, generator=generator)
        model.train(was_training)
        path = self.run_dir / "samples" / f"step-{self.step:08d}.png"
        save_image_grid(images.float().cpu(), path)
        return path

    def checkpoint_config(self) -> dict:
        return {
            "pixelforge_version": __version__,
            "model": {"name": self.model.registered_name, "config": config_to_dict(self.model.config)},
            "data": {"config": dataclasses.asdict(self.data_config), "dataset": self.dataset.describe(),
                     "binarization": "dynamic" if self.binarize else "none"},
            "training": dataclasses.asdict(self.config),
            "world_size": self.world.size,
            **({"initialized_from": self.initialized_from} if self.initialized_from else {}),
        }

    def save_checkpoint(self) -> None:
        """Rank 0 writes the checkpoint; the other ranks wait for it. Non-finite weights are never written."""
        if not all(bool(torch.isfinite(p).all()) for p in self.model.parameters()):
            raise TrainingError(f"step {self.step}: the weights are no longer finite; no checkpoint was written. "
                                f"The last good checkpoint is kept: {self.last_checkpoint}")
        rng_states = gather_objects((self.noise_generator.get_state(), self.data_generator.get_state()),
                                    self.world)
        if self.world.is_main:
            tensors: dict[str, torch.Tensor] = {}
            for rank, (noise, data) in enumerate(rng_states):
                tensors[f"rng.noise.{rank}"], tensors[f"rng.data.{rank}"] = noise, data
            optimizers: dict[str, dict] = {}
            for objective, optimizer in self.optimizers.items():
                named, rest = flatten_optimizer(f"optimizer.{objective}", optimizer.state_dict())
                tensors.update(named)
                optimizers[objective] = rest
            state = {"world_size": self.world.size, "step": self.step, "epoch": self.epoch, "position": self.position,
                     "skipped_steps": self.skipped_steps, "optimizers": optimizers,
                     "schedulers": {k: s.state_dict() for k, s in self.schedulers.items()},
                     "grad_scaler": self.scaler.state_dict()}
            self.last_checkpoint = ckpt.save_checkpoint(
                self.run_dir, self.step, self.checkpoint_config(), self.model.state_dict(),
                ema_state=None if self.ema is None else self.ema.state_dict(),
                state_tensors=tensors, state_json=state, keep=self.config.keep_checkpoints)
        barrier(self.world)

    def restore(self, checkpoint_dir: Path) -> None:
        """Load weights and the whole training state of `checkpoint_dir` to continue from it."""
        self.model.load_state_dict(ckpt.read_tensors(checkpoint_dir / ckpt.MODEL_FILE))
        if self.ema is not None and (checkpoint_dir / ckpt.EMA_FILE).is_file():
            self.ema.load_state_dict(ckpt.read_tensors(checkpoint_dir / ckpt.EMA_FILE))
        tensors = ckpt.read_tensors(checkpoint_dir / ckpt.STATE_TENSORS)
        state = ckpt.read_json(checkpoint_dir / ckpt.STATE_JSON)
        for objective, optimizer in self.optimizers.items():
            optimizer.load_state_dict(unflatten_optimizer(f"optimizer.{objective}", tensors,
                                                          state["optimizers"][objective]))
        for objective, scheduler in self.schedulers.items():
            scheduler.load_state_dict(state["schedulers"][objective])
        self.scaler.load_state_dict(state["grad_scaler"])
        rank = self.world.rank
        if f"rng.noise.{rank}" not in tensors:
            raise CheckpointError(f"{checkpoint_dir} was written by {state.get('world_size', 1)} processes; "
                                  f"resume it with the same number (this is rank {rank} of {self.world.size})")
        self.noise_generator.set_state(tensors[f"rng.noise.{rank}"])
        self.data_generator.set_state(tensors[f"rng.data.{rank}"])
        self.step, self.epoch, self.position = state["step"], state["epoch"], state["position"]
        self.skipped_steps = state["skipped_steps"]
        self.last_checkpoint = checkpoint_dir
