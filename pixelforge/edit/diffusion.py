"""Editing with a trained diffusion model: RePaint inpainting, SDEdit image-to-image, DDIM
inversion and interpolation between inverted images.

Every function takes a DiffusionModel and images (N, C, S, S) in [-1, 1] and returns images in
[-1, 1]; randomness comes only from `generator`. Labels `y` (conditional models) default to the
null class, i.e. the unconditional model learned through label dropout.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..errors import ConfigError, DataError
from ..models.diffusion.samplers import (ddim_invert, ddim_sample, ddpm_sample, ddpm_step, renoise,
                                         timestep_sequence)
from .latent import interpolate
from .space import check_images, class_labels


def check_diffusion_model(model: nn.Module) -> None:
    """ConfigError unless `model` is a diffusion model (it has a denoiser and a schedule)."""
    if not (callable(getattr(model, "denoiser", None)) and hasattr(model, "alpha_bar")):
        name = getattr(model, "registered_name", "") or type(model).__name__
        raise ConfigError(f"model {name!r} is not a diffusion model: this edit needs a checkpoint of ddpm, "
                          f"improved_ddpm or conditional_ddpm")


def _labels(model: nn.Module, count: int, y: Tensor | int | None) -> Tensor | None:
    """None (the null class) or `count` checked labels (one label repeated, or one per image)."""
    return None if y is None else class_labels(model, count, y)


def repaint_path(num_steps: int, jump_length: int, resamplings: int) -> list[int]:
    """Positions 0..num_steps visited by RePaint (Lugmayr et al. 2022, sec. 4.2): position p is the
    p-th timestep of the sampling sequence and num_steps is the data. Every `jump_length` steps down,
    the walk goes back up `jump_length` steps, so each stretch is denoised `resamplings` times."""
    if jump_length < 1 or resamplings < 1:
        raise ConfigError(f"jump_length={jump_length}, resamplings={resamplings}: expected positive integers")
    position, path, jumps = 0, [0], {}
    while position < num_steps:
        position += 1
        path.append(position)
        if position < num_steps and position % jump_length == 0 and jumps.get(position, 0) < resamplings - 1:
            jumps[position] = jumps.get(position, 0) + 1
            for _ in range(jump_length):
                position -= 1
                path.append(position)
    return path


@torch.no_grad()
def repaint(model: nn.Module, images: Tensor, known_mask: Tensor, generator: torch.Generator | None = None,
            steps: int | None = None, jump_length: int = 10, resamplings: int = 1,
            y: Tensor | int | None = None) -> Tensor:
    """RePaint (Lugmayr et al. 2022): fill the pixels where `known_mask` is False.

    images (N, C, S, S) in [-1, 1]; known_mask bool, broadcastable to them ((N or 1, 1 or C, S, S)).
    Each reverse step denoises the whole image, then replaces the known region by a fresh draw of
    q(x_t | x_0) at the same level; `resamplings` > 1 goes back up `jump_length` steps (forward
    noise) and down again, so the filled region harmonizes with the known one. `steps` timesteps
    (default all T). The known pixels of the result equal the input exactly.
    """
    check_diffusion_model(model)
    x0 = check_images(model, images)
    try:
        known = torch.broadcast_to(known_mask.to(device=x0.device, dtype=torch.bool), x0.shape)
    except RuntimeError:
        raise DataError(f"mask of shape {tuple(known_mask.shape)} does not match images of shape "
                        f"{tuple(x0.shape)}") from None
    sequence = timestep_sequence(model.num_timesteps, steps or model.num_timesteps)
    levels = [*sequence, None]  # position p -> timestep; the last is the data
    denoise = model.denoiser(_labels(model, x0.shape[0], y))
    x = torch.randn(x0.shape, generator=generator, device=x0.device)
    path = repaint_path(len(sequence), jump_length, resamplings)
    for here, there in zip(path[:-1], path[1:]):
        t, s = levels[here], levels[there]
        if there > here:  # down: denoise everything, then put back the known region at level s
            x = ddpm_step(denoise, model.alpha_bar, t, s, x, generator, model.config.variance)
            known_at_s = x0 if s is None else renoise(model.alpha_bar, s, None, x0, generator)
            x = torch.where(known, known_at_s, x)
        else:             # up: one forward step of noise
            x = renoise(model.alpha_bar, s, t, x, generator)
    return torch.where(known, x0, x.clamp(-1, 1))


def strength_timestep(model: nn.Module, strength: float) -> int:
    """The timestep index SDEdit noises to: round(strength·T) - 1, strength in (0, 1]."""
    if not 0 < strength <= 1:
        raise ConfigError(f"strength={strength}: expected a number in (0, 1] (1 = start from pure noise)")
    return max(0, round(strength * model.num_timesteps) - 1)


@torch.no_grad()
def img2img(model: nn.Module, images: Tensor, strength: float, generator: torch.Generator | None = None,
            steps: int | None = None, sampler: str = "ddim", eta: float = 0.0, y: Tensor | int | None = None,
            guidance_scale: float | None = None) -> Tensor:
    """SDEdit (Meng et al. 2022): noise the guide images to level strength·T, then denoise them.

    Low strength keeps the guide's layout and detail; strength 1 ignores it. `steps` sampler steps
    over [0, strength·T] (default: that share of the config's sampling_steps, at least 1).
    """
    check_diffusion_model(model)
    x0 = check_images(model, images)
    start = strength_timestep(model, strength)
    count = steps or max(1, round(strength * model.config.sampling_steps))
    sequence = timestep_sequence(model.num_timesteps, min(count, start + 1), start=start)
    x = renoise(model.alpha_bar, start, None, x0, generator)
    denoise = model.denoiser(_labels(model, x0.shape[0], y), guidance_scale)
    if sampler == "ddpm":
        x = ddpm_sample(denoise, model.alpha_bar, sequence, x, generator, model.config.variance)
    elif sampler == "ddim":
        x = ddim_sample(denoise, model.alpha_bar, sequence, x, eta, generator)
    else:
        raise ConfigError(f"sampler={sampler!r}: expected 'ddpm' or 'ddim'")
    return x.clamp(-1, 1)


@torch.no_grad()
def invert_to_noise(model: nn.Module, images: Tensor, steps: int = 50, refinements: int = 2,
                    y: Tensor | int | None = None) -> Tensor:
    """DDIM inversion (Song et al. 2021, sec. 4.3): the noise x_T (N, C, S, S) that deterministic
    DDIM with `steps` steps maps back to the images (`decode_noise`); see samplers.ddim_invert."""
    check_diffusion_model(model)
    x0 = check_images(model, images)
    sequence = timestep_sequence(model.num_timesteps, steps)
    denoise = model.denoiser(_labels(model, x0.shape[0], y), guidance_scale=1.0)
    return ddim_invert(denoise, model.alpha_bar, sequence, x0, refinements)


@torch.no_grad()
def decode_noise(model: nn.Module, noise: Tensor, steps: int = 50, y: Tensor | int | None = None) -> Tensor:
    """Deterministic DDIM (eta = 0, no clipping of x0_hat, so it inverts `invert_to_noise`): images in [-1, 1]."""
    check_diffusion_model(model)
    sequence = timestep_sequence(model.num_timesteps, steps)
    denoise = model.denoiser(_labels(model, noise.shape[0], y), guidance_scale=1.0)
    return ddim_sample(denoise, model.alpha_bar, sequence, noise.to(model.device), clip=False).clamp(-1, 1)


@torch.no_grad()
def interpolate_images(model: nn.Module, first: Tensor, second: Tensor, num_images: int = 8, steps: int = 50,
                       method: str = "slerp", refinements: int = 2, y: Tensor | int | None = None) -> Tensor:
    """Invert two images (C, S, S) to DDIM noise, interpolate the noise (slerp, White 2016: the
    midpoints keep a Gaussian draw's norm) in `num_images` points and decode: (num_images, C, S, S);
    the ends reconstruct the two inputs."""
    ends = torch.cat([check_images(model, first), check_images(model, second)])
    noise = invert_to_noise(model, ends, steps, refinements, y)
    path = interpolate(noise[0].flatten(), noise[1].flatten(), num_images, method)   # (num_images, C·S·S)
    return decode_noise(model, path.view(num_images, *noise.shape[1:]), steps, y)
