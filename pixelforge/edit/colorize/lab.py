"""sRGB <-> CIE Lab (D65, 2-degree observer) in torch, differentiable; matches scikit-image's
rgb2lab/lab2rgb (same matrix, white point and piecewise functions; tested against it)."""

from __future__ import annotations

import torch

# sRGB (linear) -> XYZ, the matrix scikit-image uses (IEC 61966-2-1).
_RGB_TO_XYZ = torch.tensor([[0.412453, 0.357580, 0.180423],
                            [0.212671, 0.715160, 0.072169],
                            [0.019334, 0.119193, 0.950227]], dtype=torch.float64)
_XYZ_TO_RGB = torch.linalg.inv(_RGB_TO_XYZ)
_WHITE_D65 = (0.95047, 1.0, 1.08883)
_EPSILON = 0.008856  # (6/29)^3
_KAPPA = 7.787       # (29/6)^2 / 3


def _mix(matrix: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Apply a 3x3 matrix to the channel axis of (B, 3, H, W)."""
    return torch.einsum("ij,bjhw->bihw", matrix.to(x.dtype).to(x.device), x)


def _white(x: torch.Tensor) -> torch.Tensor:
    return torch.tensor(_WHITE_D65, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) sRGB in [0, 1] -> (B, 3, H, W) Lab: L in [0, 100], a and b roughly in [-110, 110]."""
    linear = torch.where(rgb <= 0.04045, rgb / 12.92, ((rgb.clamp(min=0) + 0.055) / 1.055) ** 2.4)
    xyz = _mix(_RGB_TO_XYZ, linear) / _white(rgb)
    f = torch.where(xyz > _EPSILON, xyz.clamp(min=_EPSILON) ** (1 / 3), _KAPPA * xyz + 16 / 116)
    fx, fy, fz = f[:, 0:1], f[:, 1:2], f[:, 2:3]
    return torch.cat([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], dim=1)


def lab_to_rgb(lab: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) Lab -> sRGB clipped to [0, 1] (colours outside the sRGB gamut are clipped)."""
    light, a, b = lab[:, 0:1], lab[:, 1:2], lab[:, 2:3]
    fy = (light + 16) / 116
    f = torch.cat([fy + a / 500, fy, (fy - b / 200).clamp(min=0)], dim=1)
    xyz = torch.where(f ** 3 > _EPSILON, f ** 3, (f - 16 / 116) / _KAPPA) * _white(lab)
    linear = _mix(_XYZ_TO_RGB, xyz).clamp(min=0)
    rgb = torch.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear.clamp(min=0.0031308) ** (1 / 2.4) - 0.055)
    return rgb.clamp(0, 1)
