"""Trained-model files: safetensors tensors plus JSON metadata in the safetensors header.

One file holds everything: the tensors (half precision by default, to keep shipped models small)
and, under the header key ``msia``, a JSON document with the network config, the training recipe,
the data, the date and the measured metrics. Loading runs no pickle.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from .errors import ModelFileError, ModelNotFoundError
from .files import atomic_write
from .network import MSIAConfig, MSIANet, build_from_config
from .resources import resources_dir

FORMAT = "msia-matte/1"
MODELS_DIR = resources_dir() / "models"  # the installed package data (matting/resources.py)
DEFAULT_MODEL_NAME = "msia-matte-lite0.safetensors"
MODEL_DIR_ENV = "MSIA_MATTE_MODEL_DIR"


def save_model(model: MSIANet, path: str | Path, metadata: dict[str, Any] | None = None, half: bool = True) -> Path:
    """Write ``model`` and ``metadata`` (JSON-serialisable) atomically to ``path``."""
    path = Path(path)
    meta = dict(metadata or {})
    meta["format"] = FORMAT
    meta["config"] = model.config.to_dict()
    tensors = {}
    for name, t in model.state_dict().items():
        t = t.detach().to("cpu")
        if half and t.is_floating_point():
            t = t.half()
        tensors[name] = t.contiguous()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata={"msia": json.dumps(meta)}))
    return path


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The JSON metadata of a model file, without loading its tensors."""
    path = Path(path)
    _require_file(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            raw = (f.metadata() or {}).get("msia")
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: not a readable model file (truncated or corrupt?): {exc}") from None
    if raw is None:
        raise ModelFileError(f"{path}: safetensors file without MSIA metadata")
    try:
        meta = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: metadata is not valid JSON ({exc})") from None
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: unknown model format {meta.get('format')!r}, expected {FORMAT!r}")
    return meta


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[MSIANet, dict[str, Any]]:
    """Build the network its metadata describes and load its tensors strictly (float32); every
    weight must be finite (a NaN weight would give an all-zero matte without any error)."""
    path = Path(path)
    meta = read_metadata(path)
    try:
        model = build_from_config(MSIAConfig.from_dict(meta["config"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: bad network config in metadata ({exc})") from None
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            state = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: cannot read tensors (truncated or corrupt?): {exc}") from None
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(state) & set(expected) if state[k].shape != expected[k].shape)
    if missing or unexpected or wrong:
        raise ModelFileError(
            f"{path}: tensors do not match the config in its metadata "
            f"(missing {missing[:3]}, unexpected {unexpected[:3]}, wrong shape {wrong[:3]})"
        )
    bad = sorted(k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all()))
    if bad:
        raise ModelFileError(f"{path}: {len(bad)} tensor(s) hold NaN or infinite values ({', '.join(bad[:3])}); "
                             "the file is damaged or came from a diverged training run")
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()}, strict=True)
    return model.to(device).eval(), meta


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


def _require_file(path: Path) -> None:
    if not path.exists():
        raise ModelFileError(f"{path}: model file not found")
    if not path.is_file():
        raise ModelFileError(f"{path}: not a file")
