"""Grad-CAM: class activation maps from a conv layer's gradients (Selvaraju et al. 2017)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import ConfigError
from .targets import check_classifier, check_images, choose_targets, evaluation_mode


def default_layer(classifier: nn.Module) -> nn.Module:
    """The last residual block of `classifier.blocks` (the last conv stage of small_resnet)."""
    blocks = getattr(classifier, "blocks", None)
    if not isinstance(blocks, nn.Sequential) or len(blocks) == 0:
        raise ConfigError(f"{type(classifier).__name__} has no `blocks` of conv stages: pass layer= explicitly")
    return blocks[-1]


def grad_cam(classifier: nn.Module, images: Tensor, target: Tensor | int | None = None,
             layer: nn.Module | None = None) -> Tensor:
    """Grad-CAM maps (B, H, W) in [0, 1] for images (B, C, H, W) in [-1, 1].

    Selvaraju et al. 2017, eqs. 1-2: the weight of channel k is the spatial mean
    of d logit_target / d A_k, with A the output (B, K, h, w) of `layer` (default:
    the last residual block of `classifier.blocks`); the map is ReLU(Σ_k w_k A_k),
    upsampled bilinearly to (H, W) and divided by its maximum per image (an
    all-zero map stays zero). `target` as in saliency_map. The forward hook is
    removed before returning, also when an error is raised.
    """
    check_classifier(classifier, "gradcam")
    check_images(images)
    layer = default_layer(classifier) if layer is None else layer
    captured: list[Tensor] = []
    handle = layer.register_forward_hook(lambda module, inputs, output: captured.append(output))
    try:
        with evaluation_mode(classifier), torch.enable_grad():
            logits = classifier.logits(images.detach())
            if len(captured) != 1 or captured[0].ndim != 4:
                raise ConfigError(f"layer {type(layer).__name__} must run once per forward pass and give "
                                  f"(B, K, h, w) activations")
            activations = captured[0]                                                 # (B, K, h, w)
            target = choose_targets(logits.detach(), target)
            score = logits.gather(1, target[:, None]).sum()
            (gradients,) = torch.autograd.grad(score, activations)
    finally:
        handle.remove()
    weights = gradients.mean(dim=(2, 3), keepdim=True)                                # (B, K, 1, 1)
    cam = F.relu((weights * activations.detach()).sum(dim=1, keepdim=True))           # (B, 1, h, w)
    cam = F.interpolate(cam, size=images.shape[2:], mode="bilinear", align_corners=False)[:, 0]
    peak = cam.flatten(1).amax(dim=1).clamp(min=1e-12)[:, None, None]
    return (cam / peak).clamp(0.0, 1.0)
