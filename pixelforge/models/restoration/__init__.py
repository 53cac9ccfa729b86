"""Restoration networks: a DnCNN-style residual denoiser and a multi-scale ESPCN-style
super-resolver. Pure `nn.Module`s; the editing functions live in pixelforge.edit.restore."""

from .networks import NETWORKS, DnCNN, MultiScaleESPCN, build_network

__all__ = ["NETWORKS", "DnCNN", "MultiScaleESPCN", "build_network"]
