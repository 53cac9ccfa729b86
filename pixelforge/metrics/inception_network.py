"""The FID Inception-v3 network, written out so the standard FID weights load into it.

This is the 2015-12-05 TensorFlow Inception-v3 graph that every FID/IS number since
Heusel et al. 2017 is computed with, laid out with torchvision's module names so that
pytorch-fid's `pt_inception-2015-12-05-6726825d.pth` state_dict loads as is. It differs
from torchvision's ImageNet Inception-v3 where the TF graph does (pytorch-fid's
FIDInception* blocks document the same differences):

- batch norm without a learned scale (TF `scale=False`; the state_dict holds ones), eps 1e-3;
- the 3x3 average pools of the pool branches do not count the zero padding
  (`count_include_pad=False`, TF "SAME" average pooling);
- the last block (Mixed_7c) pools its pool branch with a 3x3 *max* pool, a quirk of the TF graph;
- 1008 output classes (1000 ImageNet classes, a background class and 7 unused ones).

`tensorflow_parameters_to_state_dict` renames the parameters of the NVIDIA/fid-helper
TorchScript export (`default_1.pt`: `conv.weight`, `conv.beta`, `conv.mean`, `conv.var`
per layer) to these names; tests check both networks give the same features.
"""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils.fusion import fuse_conv_bn_eval

FEATURE_DIM = 2048
NUM_CLASSES = 1008
INPUT_SIZE = 299


class BasicConv2d(nn.Module):
    """Convolution without bias, batch norm (eps 1e-3, TF's default), ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))

    def fold_batchnorm(self) -> None:
        """Inference only: fold the batch norm into the convolution (weight·γ/σ, bias β - μγ/σ) and
        drop it, saving one pass over every activation map. Equal to float32 rounding."""
        if isinstance(self.bn, nn.BatchNorm2d):
            self.conv = fuse_conv_bn_eval(self.conv.eval(), self.bn.eval())
            self.bn = nn.Identity()


def _average_pool(x: torch.Tensor) -> torch.Tensor:
    # TF "SAME" average pooling divides by the number of real (unpadded) inputs.
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


class InceptionA(nn.Module):
    """35x35 block (Mixed_5b/5c/5d): 1x1, 5x5, double 3x3 and pool branches."""

    def __init__(self, in_channels: int, pool_features: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 64, 1)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        double = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch1x1(x), self.branch5x5_2(self.branch5x5_1(x)), double,
                          self.branch_pool(_average_pool(x))], 1)


class InceptionB(nn.Module):
    """Grid reduction 35x35 -> 17x17 (Mixed_6a)."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        double = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch3x3(x), double, F.max_pool2d(x, 3, stride=2)], 1)


class InceptionC(nn.Module):
    """17x17 block with factorized 7x7 convolutions (Mixed_6b..6e)."""

    def __init__(self, in_channels: int, channels_7x7: int) -> None:
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        single = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        double = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            double = layer(double)
        return torch.cat([self.branch1x1(x), single, double, self.branch_pool(_average_pool(x))], 1)


class InceptionD(nn.Module):
    """Grid reduction 17x17 -> 8x8 (Mixed_7a)."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tower = self.branch7x7x3_1(x)
        for layer in (self.branch7x7x3_2, self.branch7x7x3_3, self.branch7x7x3_4):
            tower = layer(tower)
        return torch.cat([self.branch3x3_2(self.branch3x3_1(x)), tower, F.max_pool2d(x, 3, stride=2)], 1)


class InceptionE(nn.Module):
    """8x8 block with split 1x3/3x1 outputs (Mixed_7b, Mixed_7c).

    `max_pool` selects the pool of the pool branch: average (Mixed_7b) or, as in the
    TF graph's last block, 3x3 max pooling (Mixed_7c).
    """

    def __init__(self, in_channels: int, max_pool: bool) -> None:
        super().__init__()
        self.max_pool = max_pool
        self.branch1x1 = BasicConv2d(in_channels, 320, 1)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = self.branch3x3_1(x)
        b = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        pooled = F.max_pool2d(x, 3, stride=1, padding=1) if self.max_pool else _average_pool(x)
        return torch.cat([self.branch1x1(x), self.branch3x3_2a(a), self.branch3x3_2b(a),
                          self.branch3x3dbl_3a(b), self.branch3x3dbl_3b(b), self.branch_pool(pooled)], 1)


class FIDInceptionV3(nn.Module):
    """Inception-v3 as in the FID/IS TF graph: (N, 3, 299, 299) -> pool features (N, 2048), logits (N, 1008).

    The input is the network's own scale (about [-1, 1]); resizing and scaling are the
    caller's job (see pixelforge.metrics.features). `with_logits=False` builds it without
    the final linear layer, for weights that have none.
    """

    def __init__(self, with_logits: bool = True) -> None:
        super().__init__()
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, 3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, 3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, 3, padding=1)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, 1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, 3)
        self.Mixed_5b = InceptionA(192, pool_features=32)
        self.Mixed_5c = InceptionA(256, pool_features=64)
        self.Mixed_5d = InceptionA(288, pool_features=64)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128)
        self.Mixed_6c = InceptionC(768, channels_7x7=160)
        self.Mixed_6d = InceptionC(768, channels_7x7=160)
        self.Mixed_6e = InceptionC(768, channels_7x7=192)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280, max_pool=False)
        self.Mixed_7c = InceptionE(2048, max_pool=True)
        self.fc = nn.Linear(FEATURE_DIM, NUM_CLASSES) if with_logits else None

    def pool_features(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 3, 299, 299) -> (N, 2048): the 8x8 average pool of the last block."""
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = F.max_pool2d(x, 3, stride=2)
        x = F.max_pool2d(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)), 3, stride=2)
        for block in (self.Mixed_5b, self.Mixed_5c, self.Mixed_5d, self.Mixed_6a, self.Mixed_6b, self.Mixed_6c,
                      self.Mixed_6d, self.Mixed_6e, self.Mixed_7a, self.Mixed_7b, self.Mixed_7c):
            x = block(x)
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(N, 3, 299, 299) -> (pool features (N, 2048), logits (N, 1008) or None)."""
        features = self.pool_features(x)
        return features, None if self.fc is None else self.fc(features)


# Block names of the TorchScript export (`net.layers.*`) -> this module's block names and kinds.
_TORCHSCRIPT_BLOCKS = {
    "conv": ("Conv2d_1a_3x3", None), "conv_1": ("Conv2d_2a_3x3", None), "conv_2": ("Conv2d_2b_3x3", None),
    "conv_3": ("Conv2d_3b_1x1", None), "conv_4": ("Conv2d_4a_3x3", None),
    "mixed": ("Mixed_5b", "InceptionA"), "mixed_1": ("Mixed_5c", "InceptionA"), "mixed_2": ("Mixed_5d", "InceptionA"),
    "mixed_3": ("Mixed_6a", "InceptionB"), "mixed_4": ("Mixed_6b", "InceptionC"), "mixed_5": ("Mixed_6c", "InceptionC"),
    "mixed_6": ("Mixed_6d", "InceptionC"), "mixed_7": ("Mixed_6e", "InceptionC"), "mixed_8": ("Mixed_7a", "InceptionD"),
    "mixed_9": ("Mixed_7b", "InceptionE"), "mixed_10": ("Mixed_7c", "InceptionE"),
}
# Layer names inside each block kind: TF tower names -> torchvision branch names.
_TORCHSCRIPT_LAYERS = {
    "InceptionA": {"conv": "branch1x1", "tower.conv": "branch5x5_1", "tower.conv_1": "branch5x5_2",
                   "tower_1.conv": "branch3x3dbl_1", "tower_1.conv_1": "branch3x3dbl_2",
                   "tower_1.conv_2": "branch3x3dbl_3", "tower_2.conv": "branch_pool"},
    "InceptionB": {"conv": "branch3x3", "tower.conv": "branch3x3dbl_1", "tower.conv_1": "branch3x3dbl_2",
                   "tower.conv_2": "branch3x3dbl_3"},
    "InceptionC": {"conv": "branch1x1", "tower.conv": "branch7x7_1", "tower.conv_1": "branch7x7_2",
                   "tower.conv_2": "branch7x7_3", "tower_1.conv": "branch7x7dbl_1",
                   "tower_1.conv_1": "branch7x7dbl_2", "tower_1.conv_2": "branch7x7dbl_3",
                   "tower_1.conv_3": "branch7x7dbl_4", "tower_1.conv_4": "branch7x7dbl_5",
                   "tower_2.conv": "branch_pool"},
    "InceptionD": {"tower.conv": "branch3x3_1", "tower.conv_1": "branch3x3_2", "tower_1.conv": "branch7x7x3_1",
                   "tower_1.conv_1": "branch7x7x3_2", "tower_1.conv_2": "branch7x7x3_3",
                   "tower_1.conv_3": "branch7x7x3_4"},
    "InceptionE": {"conv": "branch1x1", "tower_conv": "branch3x3_1", "tower_mixed_conv": "branch3x3_2a",
                   "tower_mixed_conv_1": "branch3x3_2b", "tower_1_conv": "branch3x3dbl_1",
                   "tower_1_conv_1": "branch3x3dbl_2", "tower_1_mixed_conv": "branch3x3dbl_3a",
                   "tower_1_mixed_conv_1": "branch3x3dbl_3b", "tower_2_conv": "branch_pool"},
}
# Per-layer tensors: TF batch norm has an offset (beta) but no scale.
_TORCHSCRIPT_TENSORS = {"weight": "conv.weight", "beta": "bn.bias", "mean": "bn.running_mean",
                        "var": "bn.running_var"}


def tensorflow_parameters_to_state_dict(parameters: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename the TorchScript export's parameters (`net.layers.<block>.<layer>.<tensor>`) to
    FIDInceptionV3(with_logits=False) state_dict keys; the missing batch-norm scales are ones.

    Raises KeyError naming the first parameter it cannot place.
    """
    state = {}
    for name, tensor in parameters.items():
        path = name.removeprefix("net.layers.").split(".")
        block, layer, tensor_name = path[0], ".".join(path[1:-1]), path[-1]
        target_block, block_kind = _TORCHSCRIPT_BLOCKS[block]
        prefix = f"{target_block}.{_TORCHSCRIPT_LAYERS[block_kind][layer]}" if layer else target_block
        state[f"{prefix}.{_TORCHSCRIPT_TENSORS[tensor_name]}"] = tensor.detach().clone()
        if tensor_name == "beta":
            state[f"{prefix}.bn.weight"] = torch.ones_like(tensor)
    return state
