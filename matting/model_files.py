"""Where model files are: the installed model and the folders looked in. Kept apart from the
loader (``matting.weights``, which needs torch) so the command line can know the model's path,
an input of every run that no output may replace, before anything heavy is imported."""
from __future__ import annotations

import os
from pathlib import Path

from .errors import ModelNotFoundError
from .resources import resources_dir

MODELS_DIR = resources_dir() / "models"  # the installed package data (matting/resources.py)
DEFAULT_MODEL_NAME = "msia-matte-lite0.safetensors"
MODEL_DIR_ENV = "MSIA_MATTE_MODEL_DIR"


def model_dirs() -> list[Path]:
    """Where installed models are looked for: $MSIA_MATTE_MODEL_DIR first, then the models that ship
    with the package (``resources/models/`` in the repository)."""
    dirs = [Path(os.environ[MODEL_DIR_ENV])] if os.environ.get(MODEL_DIR_ENV) else []
    return dirs + [MODELS_DIR]


def default_model_path() -> Path | None:
    """The shipped default model, else the first ``*.safetensors`` in the model folders."""
    for d in model_dirs():
        if (d / DEFAULT_MODEL_NAME).is_file():
            return d / DEFAULT_MODEL_NAME
        found = sorted(d.glob("*.safetensors")) if d.is_dir() else []
        if found:
            return found[0]
    return None


def require_default_model() -> Path:
    path = default_model_path()
    if path is None:
        where = ", ".join(str(d) for d in model_dirs())
        raise ModelNotFoundError(
            f"no MSIA model is installed (looked in {where}). Train one with "
            f"`python -m training.train --config training/configs/cpu_lite0.json` and copy the exported "
            f"{DEFAULT_MODEL_NAME} there, or pass --model PATH."
        )
    return path
