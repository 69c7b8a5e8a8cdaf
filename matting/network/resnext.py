"""ResNeXt (Xie et al. 2017) written as torchvision's ``resnet.py`` writes it, with identical
parameter and buffer names, so a torchvision ImageNet checkpoint file of ``resnext50_32x4d`` or
``resnext101_32x8d`` loads with ``strict=True``. Later strides can be replaced by dilation
(``replace_stride_with_dilation``, DeepLab style) exactly as torchvision's ``_make_layer`` does.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import Tensor, nn

from .weights_file import load_weights_file


def conv3x3(cin: int, cout: int, stride: int = 1, groups: int = 1, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride, padding=dilation, groups=groups, bias=False, dilation=dilation)


def conv1x1(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, stride, bias=False)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None,
                 groups: int = 1, base_width: int = 64, dilation: int = 1):
        super().__init__()
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = conv1x1(inplanes, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = conv3x3(width, width, stride, groups, dilation)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNeXt(nn.Module):
    low_channels = 256
    high_channels = 2048
    stem_channels = 64

    def __init__(self, layers: tuple[int, int, int, int], groups: int, width_per_group: int,
                 replace_stride_with_dilation: tuple[bool, bool, bool] = (False, False, False), num_classes: int = 1000):
        super().__init__()
        self.inplanes, self.dilation = 64, 1
        self.groups, self.base_width = groups, width_per_group
        self.output_stride = 32 // (2 ** sum(replace_stride_with_dilation))
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], 2, replace_stride_with_dilation[0])
        self.layer3 = self._make_layer(256, layers[2], 2, replace_stride_with_dilation[1])
        self.layer4 = self._make_layer(512, layers[3], 2, replace_stride_with_dilation[2])
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * Bottleneck.expansion, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def _make_layer(self, planes: int, blocks: int, stride: int = 1, dilate: bool = False) -> nn.Sequential:
        downsample = None
        previous_dilation = self.dilation
        if dilate:
            self.dilation *= stride
            stride = 1
        if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
            downsample = nn.Sequential(conv1x1(self.inplanes, planes * Bottleneck.expansion, stride),
                                       nn.BatchNorm2d(planes * Bottleneck.expansion))
        layers = [Bottleneck(self.inplanes, planes, stride, downsample, self.groups, self.base_width, previous_dilation)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes, groups=self.groups, base_width=self.base_width, dilation=self.dilation)
                   for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def features(self, x: Tensor, stem_extra: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(layer1 output at stride 4, layer4 output at the output stride); ``stem_extra`` is added
        to conv1's output (the guidance, ``guidance.py``)."""
        x = self.conv1(x)
        if stem_extra is not None:
            x = x + stem_extra
        x = self.maxpool(self.relu(self.bn1(x)))
        low = self.layer1(x)
        return low, self.layer4(self.layer3(self.layer2(low)))

    def forward(self, x: Tensor) -> Tensor:
        _, x = self.features(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))

    def load_torchvision_checkpoint(self, path: str | Path) -> None:
        """Load a torchvision ImageNet state_dict file strictly (nothing is downloaded)."""
        load_weights_file(self, path, type(self).__name__)


def resnext50_32x4d(replace_stride_with_dilation: tuple[bool, bool, bool] = (False, False, False)) -> ResNeXt:
    return ResNeXt((3, 4, 6, 3), 32, 4, replace_stride_with_dilation)


def resnext101_32x8d(replace_stride_with_dilation: tuple[bool, bool, bool] = (False, False, False)) -> ResNeXt:
    return ResNeXt((3, 4, 23, 3), 32, 8, replace_stride_with_dilation)
