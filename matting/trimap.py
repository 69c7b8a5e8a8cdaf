"""Trimaps: the one reading of a trimap image and the one value for "unknown", shared by the
engine's refinement, the evaluation, the metrics and the training data.

Public API:
  ``UNKNOWN`` (128); ``normalize_trimap(trimap) -> uint8``: any 8/16-bit trimap image (grey or
      RGB, maybe JPEG-noisy or resized) -> exactly 0 / 128 / 255, each pixel taking the nearest
      of the three levels (below 64 background, above 191 foreground, unknown between);
  ``trimap_from_alpha(alpha, lo=0.05, hi=0.95) -> uint8``: unknown wherever ``lo < alpha < hi``.
"""
from __future__ import annotations

import numpy as np

from .pixels import to_uint8

UNKNOWN = 128
BACKGROUND_BELOW, FOREGROUND_ABOVE = 64, 191  # halfway between the levels 0, 128 and 255


def normalize_trimap(trimap: np.ndarray) -> np.ndarray:
    """See the module docstring."""
    t = trimap[..., 0] if trimap.ndim == 3 else trimap
    t = to_uint8(t) if t.dtype in (np.uint8, np.uint16) else np.asarray(t).astype(np.uint8)
    out = np.full(t.shape, UNKNOWN, np.uint8)
    out[t < BACKGROUND_BELOW] = 0
    out[t > FOREGROUND_ABOVE] = 255
    return out


def trimap_from_alpha(alpha: np.ndarray, lo: float = 0.05, hi: float = 0.95) -> np.ndarray:
    """Unknown wherever ``lo < alpha < hi``."""
    trimap = np.full(alpha.shape, UNKNOWN, np.uint8)
    trimap[alpha <= lo] = 0
    trimap[alpha >= hi] = 255
    return trimap
