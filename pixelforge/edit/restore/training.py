"""Training the restoration networks on random patches (used by benchmarks/superres.py and
benchmarks/denoise.py --train, which produce the shipped weights).

Patches are random crops of in-memory training images with a random flip and rotation
(the 8 dihedral transforms). Denoising adds Gaussian noise with sigma ~ U[sigma_min, sigma_max]
per patch (0 to 55 as DnCNN-B, Zhang et al. 2017, and FFDNet, which is also given sigma; one
fixed level, sigma_min = sigma_max, for a per-sigma model as DnCNN-S); super-resolution
makes the low-resolution patch with the MATLAB bicubic downscale, quantized to 8 bits as a saved image would be.
Training is resumable: every `checkpoint_every` steps the model, Adam state, step and
generator state go to RUN_DIR/checkpoints (safetensors + JSON, no pickles).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ...errors import ConfigError, DataError, TrainingError
from ...images import IMAGE_SUFFIXES, read_image_uint8
from ...metrics.restoration import to_luma
from ...train.checkpoint import STATE_JSON, STATE_TENSORS, read_json, read_tensors, resolve_checkpoint, save_checkpoint
from .resize import imresize


@dataclass(frozen=True)
class PatchTraining:
    steps: int = 2000
    batch_size: int = 32
    patch_size: int = 40            # high-resolution (target) patch side
    learning_rate: float = 1e-3     # Adam, cosine decay to 1/10
    warmup_steps: int = 0           # linear ramp from 0 (fine-tuning: a fresh Adam's first steps are lr-sized)
    freeze_batch_norm: bool = False  # fine-tuning: normalize with the running statistics, as at inference
    sigma_max: float = 55.0         # denoising: sigma ~ U[sigma_min, sigma_max] on the 0..255 scale
    sigma_min: float = 0.0
    checkpoint_every: int = 100
    seed: int = 0
    precision: str = "fp32"         # "bf16": forward under bfloat16 autocast (~1.7x faster with AVX512-BF16)

    def __post_init__(self):
        for name in ("steps", "batch_size", "patch_size", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)}: expected >= 1")
        if self.warmup_steps < 0:
            raise ConfigError(f"warmup_steps={self.warmup_steps}: expected >= 0")
        if not 0 <= self.sigma_min <= self.sigma_max:
            raise ConfigError(f"sigma range [{self.sigma_min}, {self.sigma_max}]: expected 0 <= sigma_min <= sigma_max")
        if self.precision not in ("fp32", "bf16"):
            raise ConfigError(f"precision={self.precision!r}: expected 'fp32' or 'bf16'")


def read_luma_folder(folder: str | Path, min_size: int) -> list[torch.Tensor]:
    """Every image in `folder` as (1, H, W) float32 luma in [0, 1] (gray stays gray; RGB -> BT.601 Y)."""
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"{folder}: no images ({', '.join(IMAGE_SUFFIXES)})")
    images = []
    for file in files:
        pixels = read_image_uint8(file).double() / 255
        luma = pixels if pixels.shape[0] == 1 else (to_luma(pixels[None])[:, None][0] / 255)
        if min(luma.shape[-2:]) >= min_size:
            images.append(luma.float())
    return images


def random_patches(images: list[torch.Tensor], count: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """(count, 1, size, size) random crops, each randomly flipped and rotated by k * 90 degrees."""
    picks = torch.randint(len(images), (count,), generator=generator).tolist()
    patches = []
    for index in picks:
        image = images[index]
        top = int(torch.randint(image.shape[-2] - size + 1, (1,), generator=generator))
        left = int(torch.randint(image.shape[-1] - size + 1, (1,), generator=generator))
        patch = image[..., top:top + size, left:left + size]
        if int(torch.randint(2, (1,), generator=generator)):
            patch = patch.flip(-1)
        patches.append(torch.rot90(patch, int(torch.randint(4, (1,), generator=generator)), dims=(-2, -1)))
    return torch.stack(patches)


def denoise_batch(images, settings: PatchTraining, generator, with_sigma: bool = False) -> tuple[tuple, torch.Tensor]:
    """(noisy,) or, for networks that take the noise level (FFDNet), (noisy, sigma); and the clean target."""
    clean = random_patches(images, settings.batch_size, settings.patch_size, generator)
    spread = settings.sigma_max - settings.sigma_min
    sigma = (settings.sigma_min + torch.rand(settings.batch_size, 1, 1, 1, generator=generator) * spread) / 255
    noisy = clean + sigma * torch.randn(clean.shape, generator=generator)
    return ((noisy, sigma.flatten()) if with_sigma else (noisy,)), clean


def superres_batch(images, settings: PatchTraining, generator, scales: tuple[int, ...]) -> tuple[tuple, torch.Tensor]:
    scale = scales[int(torch.randint(len(scales), (1,), generator=generator))]
    size = settings.patch_size - settings.patch_size % scale
    high = random_patches(images, settings.batch_size, size, generator)
    low = torch.round(imresize(high, 1 / scale).clamp(0, 1) * 255) / 255
    return (low, scale), high


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict, dict]:
    state = optimizer.state_dict()
    tensors = {f"{index}.{key}": value for index, entry in state["state"].items()
               for key, value in entry.items()}
    return tensors, {"param_groups": state["param_groups"]}


def _restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict, meta: dict) -> None:
    state: dict = {}
    for name, value in tensors.items():
        index, key = name.split(".", 1)
        state.setdefault(int(index), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})


def train_patches(model: nn.Module, make_batch, settings: PatchTraining, run_dir: str | Path,
                  resume: bool = False, time_limit_s: float | None = None, log_every: int = 50) -> dict:
    """Train `model` with MSE on batches from `make_batch(generator) -> (inputs, target)`.

    Stops after settings.steps steps or `time_limit_s` seconds (checkpointing first), whichever
    comes first; `resume` continues from RUN_DIR's latest checkpoint. Returns a summary dict.
    """
    run_dir = Path(run_dir)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
    generator = torch.Generator().manual_seed(settings.seed)
    step, elapsed_before, losses = 0, 0.0, []
    if resume and (run_dir / "checkpoints" / "latest").is_file():
        checkpoint = resolve_checkpoint(run_dir)
        model.load_state_dict(read_tensors(checkpoint / "model.safetensors"))
        meta = read_json(checkpoint / STATE_JSON)
        _restore_optimizer(optimizer, read_tensors(checkpoint / STATE_TENSORS), meta)
        generator.set_state(torch.tensor(meta["generator"], dtype=torch.uint8))
        step, elapsed_before = meta["step"], meta["train_seconds"]
    start = time.monotonic()

    def checkpoint_now():
        tensors, meta = _optimizer_tensors(optimizer)
        meta.update(step=step, train_seconds=elapsed_before + time.monotonic() - start,
                    generator=generator.get_state().tolist())
        save_checkpoint(run_dir, step, {"model": type(model).__name__, "model_config": model.config,
                                        "training": settings.__dict__},
                        model.state_dict(), state_tensors=tensors, state_json=meta)

    model.train()
    if settings.freeze_batch_norm:  # batch statistics of a narrower noise range would shift every layer
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.eval()
    while step < settings.steps:
        progress = step / settings.steps  # cosine decay from lr to lr / 10, after the warmup
        warmup = min(1.0, (step + 1) / settings.warmup_steps) if settings.warmup_steps else 1.0
        for group in optimizer.param_groups:
            group["lr"] = settings.learning_rate * warmup * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))
        inputs, target = make_batch(generator)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=settings.precision == "bf16"):
            output = model(*inputs)
        loss = nn.functional.mse_loss(output.float(), target)
        if not torch.isfinite(loss):
            raise TrainingError(f"step {step + 1}: the loss is {loss.item()}; the last good checkpoint is in "
                                f"{run_dir / 'checkpoints'} (resume with a lower learning rate than "
                                f"{settings.learning_rate:g})")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1
        losses.append(loss.item())
        if step % log_every == 0:
            recent = sum(losses[-log_every:]) / log_every
            print(f"step {step}/{settings.steps}  mse {recent:.3e}  "
                  f"({elapsed_before + time.monotonic() - start:.0f} s)", flush=True)
        out_of_time = time_limit_s is not None and time.monotonic() - start >= time_limit_s
        if step % settings.checkpoint_every == 0 or step == settings.steps or out_of_time:
            checkpoint_now()
        if out_of_time:
            break
    model.eval()
    return {"steps_done": step, "steps_planned": settings.steps,
            "train_seconds": elapsed_before + time.monotonic() - start, "settings": settings.__dict__}
