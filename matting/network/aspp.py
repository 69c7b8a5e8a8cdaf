"""Atrous Spatial Pyramid Pooling as in torchvision's DeepLabV3 (Chen et al. 2018).

1x1 branch, one 3x3 atrous branch per rate (padding = rate), image pooling, concat, 1x1 projection
with BN, ReLU and dropout. The pooling branch has no BatchNorm: with batch size 1 in training a
BN over a 1x1 map fails (PyTorch refuses it), so it uses a 1x1 conv with bias and ReLU.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def conv_bn_relu(cin: int, cout: int, kernel: int = 3, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    """A conv (no bias), BatchNorm, ReLU: the unit every MSIA block is built from."""
    pad = (kernel - 1) // 2 * dilation
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride, pad, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class ASPPPooling(nn.Module):
    """Image-level features: global average pool, 1x1 conv, ReLU, upsample back."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1)

    def forward(self, x: Tensor) -> Tensor:
        y = F.relu(self.conv(F.adaptive_avg_pool2d(x, 1)))
        return y.expand(-1, -1, x.shape[2], x.shape[3])


class ASPP(nn.Module):
    def __init__(self, cin: int, cout: int, rates: tuple[int, ...], dropout: float = 0.1):
        super().__init__()
        branches: list[nn.Module] = [conv_bn_relu(cin, cout, 1)]
        branches += [conv_bn_relu(cin, cout, 3, dilation=r) for r in rates]
        branches.append(ASPPPooling(cin, cout))
        self.convs = nn.ModuleList(branches)
        self.project = nn.Sequential(conv_bn_relu(cout * len(branches), cout, 1), nn.Dropout(dropout))

    def forward(self, x: Tensor) -> Tensor:
        return self.project(torch.cat([branch(x) for branch in self.convs], dim=1))
