"""Deep Image Matting composition (Xu et al. 2017): I = alpha * F + (1 - alpha) * B (eq. 1).

``fit_background`` follows the Adobe composition script: the background is only ever upscaled
(bicubic, by max(w / bw, h / bh) when that is > 1), then its top-left w x h is cropped.
``composite`` computes in float and rounds to 8 bits by default; ``rounding="truncate"`` gives
the script's ``int(...)`` for regenerating the official Composition-1K test set exactly.
"""
from __future__ import annotations

import math

import cv2
import numpy as np


def fit_background(bg: np.ndarray, h: int, w: int) -> np.ndarray:
    bh, bw = bg.shape[:2]
    ratio = max(w / bw, h / bh)
    if ratio > 1:
        bg = cv2.resize(bg, (math.ceil(bw * ratio), math.ceil(bh * ratio)), interpolation=cv2.INTER_CUBIC)
    return bg[:h, :w]


def composite(fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray, rounding: str = "round") -> np.ndarray:
    """fg, bg: HxWx3 uint8; alpha: HxW uint8 (or float in [0, 1]). Returns HxWx3 uint8."""
    a = alpha.astype(np.float64) / 255.0 if alpha.dtype == np.uint8 else alpha.astype(np.float64)
    out = a[..., None] * fg.astype(np.float64) + (1.0 - a[..., None]) * bg.astype(np.float64)
    if rounding == "round":
        out = np.round(out)
    elif rounding != "truncate":
        raise ValueError(f"rounding must be 'round' or 'truncate', not {rounding!r}")
    return np.clip(out, 0, 255).astype(np.uint8)


def adobe_background(fg_index: int, k: int, per_fg: int, n_backgrounds: int, offset: int = 0) -> int:
    """Index of the k-th of ``per_fg`` fixed backgrounds of foreground ``fg_index`` in a sorted
    background list, as Adobe's composition script assigns them: foreground i takes backgrounds
    i*N .. i*N+N-1 (after ``offset``), wrapping around a list that is too short."""
    return (offset + fg_index * per_fg + k) % n_backgrounds
