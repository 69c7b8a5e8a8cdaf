"""Pixel values between integer and float: the one place the project scales 8- and 16-bit pixels
to [0, 1] and back, and brings 16-bit down to 8.

Public API:
  ``full_scale(dtype) -> 255.0 | 65535.0 | None``; ``unit(array) -> float32 in [0, 1]``;
  ``to_dtype(x, dtype)`` (float in [0, 1] -> uint8 or uint16, rounded); ``quantize(x, bit_depth)``;
  ``to_uint8(array)``: uint16 -> uint8 rounded (65535 / 257 = 255: ``round(v / 257)``, never
  ``v >> 8``, which truncates: 0x12FF would become 0x12 instead of 0x13), uint8 as it is.
"""
from __future__ import annotations

import numpy as np

_FULL_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def full_scale(dtype: np.dtype) -> float | None:
    """The value of white for an integer pixel type (255, 65535); None for floats."""
    return _FULL_SCALE.get(np.dtype(dtype))


def unit(rgb: np.ndarray) -> np.ndarray:
    """uint8/uint16/float image -> float32 in [0, 1] (floats clipped)."""
    full = full_scale(rgb.dtype)
    if full is not None:
        return rgb.astype(np.float32) / full
    if np.issubdtype(rgb.dtype, np.floating):
        return np.clip(rgb, 0.0, 1.0).astype(np.float32)
    raise ValueError(f"unsupported image dtype {rgb.dtype}")


def to_dtype(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """float in [0, 1] -> uint8 or uint16, rounded."""
    top = 65535.0 if np.dtype(dtype) == np.uint16 else 255.0
    return np.round(np.clip(x, 0.0, 1.0) * top).astype(dtype)


def quantize(x: np.ndarray, bit_depth: int) -> np.ndarray:
    """Float in [0, 1] -> uint8 (``bit_depth`` 8) or uint16 (16), rounded."""
    return to_dtype(x, np.uint8 if bit_depth == 8 else np.uint16)


def to_uint8(array: np.ndarray) -> np.ndarray:
    """uint16 -> uint8, rounded (see the module docstring); uint8 unchanged."""
    if array.dtype == np.uint8:
        return array
    if array.dtype != np.uint16:
        raise ValueError(f"expected uint8 or uint16 pixels, got {array.dtype}")
    return ((array.astype(np.uint32) + 128) // 257).astype(np.uint8)
