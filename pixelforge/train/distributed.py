"""PyTorch DDP under torchrun: process-group set-up, rank checks and reductions.

`torchrun --nproc_per_node=N -m pixelforge train ...` sets RANK, WORLD_SIZE and
LOCAL_RANK; a plain `pixelforge train ...` runs as a world of one. gloo on CPU,
NCCL on CUDA. Only rank 0 writes files.
"""

from __future__ import annotations

import dataclasses
import os

import torch
import torch.distributed as dist


@dataclasses.dataclass(frozen=True)
class World:
    rank: int = 0
    local_rank: int = 0
    size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def is_distributed(self) -> bool:
        return self.size > 1


def init_world(device: torch.device) -> World:
    """Join the process group that torchrun describes in the environment (or none)."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World()
    world = World(rank=int(os.environ["RANK"]), local_rank=int(os.environ.get("LOCAL_RANK", "0")), size=size)
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
    return world


def device_for(world: World, device: torch.device) -> torch.device:
    """One CUDA device per local rank; CPU stays CPU."""
    if device.type == "cuda" and world.is_distributed:
        torch.cuda.set_device(world.local_rank)
        return torch.device("cuda", world.local_rank)
    return device


def any_true(flag: bool, world: World, device: torch.device) -> bool:
    """True on every rank when `flag` is true on at least one."""
    if not world.is_distributed:
        return flag
    value = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item() > 0)


def mean_over_ranks(value: float, world: World, device: torch.device) -> float:
    if not world.is_distributed:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor.item() / world.size)


def gather_objects(value, world: World) -> list:
    """[value of rank 0, value of rank 1, ...] on every rank (small objects such as RNG states)."""
    if not world.is_distributed:
        return [value]
    values: list = [None] * world.size
    dist.all_gather_object(values, value)
    return values


def barrier(world: World) -> None:
    if world.is_distributed:
        dist.barrier()


def shutdown(world: World) -> None:
    if world.is_distributed and dist.is_initialized():
        dist.destroy_process_group()
