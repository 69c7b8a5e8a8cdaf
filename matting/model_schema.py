"""What a model file may say: every metadata field the engine reads and every network config
field, with its type and range, checked when the file is loaded (before any network is built or
any memory allocated), so a damaged or hostile file is refused naming the file and the field
instead of allocating 72 GB for 60000 channels, or failing later with a message about the photo.

Public API:
  ``check_metadata(path, meta)``: raises ``ModelFileError`` "<file>: field <name>: <problem>".
  ``check_dtypes(path, state, expected)``: every tensor of a floating dtype where the network
      has floats (int8 or bool weights would load as a silent all-transparent matte), an
      integer where it counts (BatchNorm's ``num_batches_tracked``).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Mapping

import torch

from .errors import ModelFileError
from .files import display
from .limits import MAX_SIDE_RANGE
from .network.config import BACKBONES, VARIANTS

MAX_CHANNELS = 4096  # the widest layer any config here has is 2048 (ResNeXt's top)
FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)

Check = Callable[[Any], str]  # "" when the value is fine, else what is wrong with it


def whole(lo: int, hi: int) -> Check:
    def check(v: Any) -> str:
        ok = isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
        return "" if ok else f"must be a whole number within {lo}..{hi}, got {_show(v)}"
    return check


def number(lo: float, hi: float, open_low: bool = False) -> Check:
    def check(v: Any) -> str:
        ok = (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
              and (lo < v if open_low else lo <= v) and v <= hi)
        return "" if ok else f"must be a number within {'(' if open_low else ''}{lo:g}..{hi:g}, got {_show(v)}"
    return check


def one_of(*choices: Any) -> Check:
    return lambda v: "" if isinstance(v, type(choices[0])) and v in choices else f"must be one of {list(choices)}, got {_show(v)}"


def text(v: Any) -> str:
    return "" if isinstance(v, (str, int, float)) and not isinstance(v, bool) and len(str(v)) <= 200 else \
        f"must be a short text, got {_show(v)}"


def flag(v: Any) -> str:
    return "" if isinstance(v, bool) else f"must be true or false, got {_show(v)}"


def rates(v: Any) -> str:
    ok = v is None or (isinstance(v, list) and 1 <= len(v) <= 8 and all(not whole(1, 64)(r) for r in v))
    return "" if ok else f"must be null or a list of 1..8 whole numbers within 1..64, got {_show(v)}"


CHANNELS = whole(1, MAX_CHANNELS)
NETWORK: dict[str, Check] = {
    "backbone": one_of(*BACKBONES), "variant": one_of(*VARIANTS), "output_stride": one_of(8, 16, 32),
    "aspp_channels": CHANNELS, "aspp_rates": rates, "aspp_dropout": number(0, 1), "ini_channels": CHANNELS,
    "sed_channels": CHANNELS, "decoder_channels": CHANNELS, "fine_channels": CHANNELS,
    "assembly_eps": number(0, 1, open_low=True), "guidance": flag,
}
REFINER: dict[str, Check] = {"radius": whole(1, 64), "eps": number(0, 1, open_low=True), "channels": whole(1, 1024),
                             "hidden_channels": whole(1, 1024)}
TOP: dict[str, Check] = {"name": text, "version": text, "date": text, "flip_average": flag,
                         "recommended_max_side": whole(*MAX_SIDE_RANGE)}


def check_metadata(path: Path, meta: Any) -> None:
    """See the module docstring. Fields not listed (training history, figures) are free."""
    if not isinstance(meta, dict):
        raise ModelFileError(f"{display(path)}: metadata must be a JSON object, got {type(meta).__name__}")
    _fields(path, meta, TOP, "")
    config = meta.get("config")
    if not isinstance(config, dict):
        raise ModelFileError(f"{display(path)}: field config: must be an object with the network config, got {_show(config)}")
    _fields(path, config, NETWORK, "config.", required=("backbone",))
    refiner = config.get("refiner")
    if refiner is not None:
        if not isinstance(refiner, dict):
            raise ModelFileError(f"{display(path)}: field config.refiner: must be null or an object, got {_show(refiner)}")
        _fields(path, refiner, REFINER, "config.refiner.")


def _fields(path: Path, d: Mapping[str, Any], schema: dict[str, Check], prefix: str,
            required: tuple[str, ...] = ()) -> None:
    """Unknown keys are left to the config classes, which refuse them by name."""
    for key in required:
        if key not in d:
            raise ModelFileError(f"{display(path)}: field {prefix}{key}: missing")
    for key, value in d.items():
        check = schema.get(key)
        if check is None:
            continue
        problem = check(value)
        if problem:
            raise ModelFileError(f"{display(path)}: field {prefix}{key}: {problem}")


def check_dtypes(path: Path, state: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor]) -> None:
    for name, tensor in state.items():
        want_float = expected[name].is_floating_point()
        if want_float and tensor.dtype not in FLOAT_DTYPES:
            raise ModelFileError(f"{display(path)}: tensor {name}: dtype {str(tensor.dtype).removeprefix('torch.')} where "
                                 "the network has floating-point weights (float16, bfloat16, float32); the file is damaged "
                                 "or not an MSIA model")
        if not want_float and (tensor.is_floating_point() or tensor.dtype == torch.bool):
            raise ModelFileError(f"{display(path)}: tensor {name}: dtype {str(tensor.dtype).removeprefix('torch.')} where "
                                 "the network counts in integers")


def _show(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."
