"""Trained-model files: safetensors tensors plus JSON metadata in the safetensors header.

One file holds everything: the tensors (half precision by default, to keep shipped models small)
and, under the header key ``msia``, a JSON document with the network config, the training recipe,
the data, the date and the measured metrics. Loading runs no pickle.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from .errors import ModelFileError
from .files import atomic_write
from .model_schema import check_dtypes, check_metadata
from .network import MSIAConfig, MSIANet, build_from_config
from .model_files import (DEFAULT_MODEL_NAME, MODEL_DIR_ENV, MODELS_DIR, default_model_path,  # noqa: F401 (API)
                          model_dirs, require_default_model)

FORMAT = "msia-matte/1"


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
    except RecursionError:
        raise ModelFileError(f"{path}: metadata is nested too deeply to be a model's") from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: metadata must be a JSON object, got {type(meta).__name__}")
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: unknown model format {meta.get('format')!r}, expected {FORMAT!r}")
    return meta


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[MSIANet, dict[str, Any]]:
    """Build the network its metadata describes and load its tensors strictly (float32); every
    metadata field the engine reads is checked first (``matting.model_schema``: type and range,
    so nothing is allocated for an absurd config), every tensor's dtype is checked, and every
    weight must be finite (a NaN weight would give an all-zero matte without any error)."""
    path = Path(path)
    meta = read_metadata(path)
    check_metadata(path, meta)
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
    check_dtypes(path, state, expected)
    bad = sorted(k for k, v in state.items() if v.is_floating_point() and not bool(torch.isfinite(v).all()))
    if bad:
        raise ModelFileError(f"{path}: {len(bad)} tensor(s) hold NaN or infinite values ({', '.join(bad[:3])}); "
                             "the file is damaged or came from a diverged training run")
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()}, strict=True)
    return model.to(device).eval(), meta


def _require_file(path: Path) -> None:
    if not path.exists():
        raise ModelFileError(f"{path}: model file not found")
    if not path.is_file():
        raise ModelFileError(f"{path}: not a file")
