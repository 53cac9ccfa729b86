"""Restoration networks: DnCNN- and FFDNet-style residual denoisers and multi-scale ESPCN-
and EDSR-style super-resolvers. Pure `nn.Module`s; the editing functions live in pixelforge.edit.restore."""

from .networks import NETWORKS, DnCNN, FFDNet, MultiScaleEDSR, MultiScaleESPCN, build_network

__all__ = ["NETWORKS", "DnCNN", "FFDNet", "MultiScaleEDSR", "MultiScaleESPCN", "build_network"]
