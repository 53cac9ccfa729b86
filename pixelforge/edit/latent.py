"""Walks through a generator's latent space: interpolation, class grids and attribute vectors.

Every function takes a trained GAN (or a VAE, through its decoder; see `space.py`) and
returns images (N, C, S, S) in [-1, 1], ready for pixelforge.images.save_image_grid.
Randomness comes only from a torch.Generator seeded with `seed`.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import Tensor, nn

from ..errors import ConfigError, DataError
from ..runtime import make_generator
from .space import check_latent_model, decode, random_latents

METHODS = ("slerp", "lerp")
PARALLEL_COSINE = 0.9995  # |cos angle| above this (angle < ~1.8°): slerp and lerp agree to ~1e-4


def _as_weight(t: float | Tensor, like: Tensor) -> Tensor:
    return torch.as_tensor(t, dtype=like.dtype, device=like.device)


def _row_labels(model: nn.Module, y: Tensor | int | None, rows: int, per_row: int) -> Tensor | int | None:
    """Labels for `rows` rows of `per_row` images that keep one class along each row: `y` is one
    class or one per row; None gives row i class i mod num_classes. Unconditional: `y` unchanged
    (decode refuses a label)."""
    if not model.config.num_classes:
        return y
    labels = torch.arange(rows) % model.config.num_classes if y is None else torch.as_tensor(y).reshape(-1)
    if labels.numel() == 1:
        labels = labels.expand(rows)
    if labels.numel() != rows:
        raise ConfigError(f"{labels.numel()} labels for {rows} rows: expected one label, or one per row")
    return labels.repeat_interleave(per_row)


def lerp(z0: Tensor, z1: Tensor, t: float | Tensor) -> Tensor:
    """(1 - t)·z0 + t·z1. `t` is a float or a tensor that broadcasts against z0[..., :1]
    (e.g. shape (T, 1) for T points between two vectors (D,) or (1, D))."""
    t = _as_weight(t, z0)
    return (1 - t) * z0 + t * z1


def slerp(z0: Tensor, z1: Tensor, t: float | Tensor) -> Tensor:
    """Spherical interpolation along the great circle from z0 to z1 (White 2016, "Sampling
    Generative Networks"): sin((1-t)Ω)/sin Ω · z0 + sin(tΩ)/sin Ω · z1, Ω the angle between them.

    Vectors are along the last dimension; `t` broadcasts as in `lerp`. With |z0| = |z1| the norm
    stays constant, so midpoints stay in the shell where N(0, I) puts its mass (a linear midpoint
    of two Gaussian draws has about 1/√2 of their norm). For nearly parallel or opposite vectors
    (|cos Ω| > PARALLEL_COSINE) sin Ω is ~0 and the great circle is ill-defined: lerp is used.
    """
    t = _as_weight(t, z0)
    unit0 = z0 / z0.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    unit1 = z1 / z1.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    cosine = (unit0 * unit1).sum(dim=-1, keepdim=True).clamp(-1.0, 1.0)  # (..., 1)
    omega = torch.arccos(cosine)
    parallel = cosine.abs() > PARALLEL_COSINE
    sin_omega = torch.where(parallel, torch.ones_like(omega), torch.sin(omega))  # no 0/0 on either branch
    spherical = (torch.sin((1 - t) * omega) * z0 + torch.sin(t * omega) * z1) / sin_omega
    return torch.where(parallel, lerp(z0, z1, t), spherical)


def interpolate(z0: Tensor, z1: Tensor, steps: int, method: str = "slerp") -> Tensor:
    """`steps` latents (steps, D) from z0 to z1 (each (D,)), both ends included."""
    if method not in METHODS:
        raise ConfigError(f"method={method!r}: expected one of {', '.join(METHODS)}")
    if steps < 2:
        raise ConfigError(f"steps={steps}: expected at least 2 (the two ends)")
    t = torch.linspace(0, 1, steps, device=z0.device, dtype=z0.dtype)[:, None]  # (T, 1)
    return (slerp if method == "slerp" else lerp)(z0[None], z1[None], t)


def interpolation_latents(model: nn.Module, num_pairs: int, steps: int, method: str = "slerp",
                          seed: int = 0) -> Tensor:
    """Latents (num_pairs·steps, D): row i runs from z[i] to z[num_pairs + i] in `steps` points,
    where z = the model's prior drawn with make_generator(seed) for 2·num_pairs latents."""
    if num_pairs < 1:
        raise ConfigError(f"num_pairs={num_pairs}: expected a positive integer")
    z = random_latents(model, 2 * num_pairs, make_generator(seed, model.device))
    return torch.cat([interpolate(z[i], z[num_pairs + i], steps, method) for i in range(num_pairs)])


@torch.no_grad()
def interpolation_strip(model: nn.Module, num_pairs: int, steps: int, method: str = "slerp", seed: int = 0,
                        y: Tensor | int | None = None) -> Tensor:
    """Images (num_pairs·steps, C, S, S) in [-1, 1]: `num_pairs` rows, each a walk of `steps` images
    between two random latents (see interpolation_latents); save with nrow=steps.

    For conditional models `y` is one class for every row, or one class per row (num_pairs,);
    None gives row i class i mod num_classes. The class stays fixed along a row.
    """
    check_latent_model(model)
    z = interpolation_latents(model, num_pairs, steps, method, seed)
    return decode(model, z, _row_labels(model, y, num_pairs, steps))


@torch.no_grad()
def class_grid(model: nn.Module, samples_per_class: int, seed: int = 0) -> Tensor:
    """Images (num_classes·samples_per_class, C, S, S): row c shows class c; column j uses the same
    latent z[j] in every row (z drawn with make_generator(seed)), so a column shows one "style"
    across classes. Save with nrow=samples_per_class. ConfigError for unconditional models."""
    check_latent_model(model)
    num_classes = model.config.num_classes
    if not num_classes:
        name = getattr(model, "registered_name", "") or type(model).__name__
        raise ConfigError(f"a class grid needs a class-conditional model; {name!r} is unconditional "
                          f"(num_classes=0)")
    if samples_per_class < 1:
        raise ConfigError(f"samples_per_class={samples_per_class}: expected a positive integer")
    z = random_latents(model, samples_per_class, make_generator(seed, model.device))
    labels = torch.arange(num_classes, device=model.device).repeat_interleave(samples_per_class)
    return decode(model, z.repeat(num_classes, 1), labels)


def attribute_vector(latents_a: Tensor, latents_b: Tensor) -> Tensor:
    """mean(latents_b) - mean(latents_a), (D,): the direction from group A towards group B
    (latent arithmetic, Radford et al. 2016, sec. 6.3). Each group is (N, D) with N >= 1."""
    for name, group in (("latents_a", latents_a), ("latents_b", latents_b)):
        if group.ndim != 2 or group.shape[0] == 0:
            raise DataError(f"{name} of shape {tuple(group.shape)}: expected (N, D) with N >= 1")
    if latents_a.shape[1] != latents_b.shape[1]:
        raise DataError(f"latents_a has {latents_a.shape[1]} dimensions, latents_b {latents_b.shape[1]}: "
                        f"expected the same latent size")
    return latents_b.mean(dim=0) - latents_a.mean(dim=0)


def shifted_latents(z: Tensor, vector: Tensor, strengths: list[float] | Tensor) -> Tensor:
    """z[i] + strengths[j]·vector for every latent i (rows) and strength j (columns): (N·S, D)."""
    z = z[None] if z.ndim == 1 else z
    if vector.shape != (z.shape[1],):
        raise DataError(f"attribute vector of shape {tuple(vector.shape)}: expected ({z.shape[1]},), "
                        f"the latent size")
    strengths = torch.as_tensor(strengths, dtype=z.dtype, device=z.device).reshape(-1)  # (S,)
    return (z[:, None, :] + strengths[None, :, None] * vector.to(z)).reshape(-1, z.shape[1])


@torch.no_grad()
def apply_attribute(model: nn.Module, z: Tensor, vector: Tensor, strengths: list[float] | Tensor,
                    y: Tensor | int | None = None) -> Tensor:
    """Images (N·S, C, S, S) of z (N, D) moved by each strength along `vector`: one row per latent,
    one column per strength (save with nrow=len(strengths)). `y`: one label, or one per latent."""
    z = z[None] if z.ndim == 1 else z
    shifted = shifted_latents(z, vector, strengths)
    return decode(model, shifted, _row_labels(model, y, z.shape[0], shifted.shape[0] // z.shape[0]))


@dataclasses.dataclass(frozen=True)
class FoundAttribute:
    """An attribute vector found from generated samples, with how many samples each side had."""

    vector: Tensor  # (D,): from class_a towards class_b
    class_a: int
    class_b: int
    count_a: int
    count_b: int


@torch.no_grad()
def find_attribute_vector(model: nn.Module, classifier, class_a: int, class_b: int, num_samples: int = 2000,
                          seed: int = 0, batch_size: int = 500, min_count: int = 10) -> FoundAttribute:
    """The direction from samples a classifier labels `class_a` to those it labels `class_b`.

    Draws `num_samples` latents (make_generator(seed)), generates their images, labels them with
    `classifier.predict(images)` (e.g. pixelforge.metrics.domain.shipped_classifier("mnist") for
    28×28 digits) and returns attribute_vector(latents labelled a, latents labelled b): e.g. the
    "1 -> 7" direction. Raises DataError when either class has fewer than `min_count` samples.
    """
    check_latent_model(model)
    z = random_latents(model, num_samples, make_generator(seed, model.device))
    device = getattr(classifier, "device", model.device)
    predicted = torch.cat([classifier.predict(decode(model, chunk).to(device)).cpu() for chunk in z.split(batch_size)])
    in_a, in_b = predicted == class_a, predicted == class_b
    counts = (int(in_a.sum()), int(in_b.sum()))
    if min(counts) < min_count:
        raise DataError(f"of {num_samples} samples the classifier labels {counts[0]} as class {class_a} and "
                        f"{counts[1]} as class {class_b}: expected at least {min_count} each; draw more "
                        f"samples (num_samples) or pick classes the model generates")
    vector = attribute_vector(z[in_a.to(z.device)], z[in_b.to(z.device)])
    return FoundAttribute(vector, class_a, class_b, *counts)
