"""Training checkpoints: everything needed to continue a run exactly (model, optimizer,
scheduler, step, RNG), written atomically so a crash never leaves half a file."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from matting.files import atomic_write


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    atomic_write(path, lambda tmp: torch.save(state, tmp))


def load_checkpoint(path: Path) -> dict[str, Any]:
    return torch.load(path, map_location="cpu", weights_only=True)
