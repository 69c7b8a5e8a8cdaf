"""Crop to the subject: the bounding box of the matte's visible pixels plus padding, the same
for the app's Export, batch and the CLI (``OutputSpec.crop``).

Public API:
  ``parse_padding(text) -> Padding``: ``40`` (pixels) or ``5%`` (of the subject box's long side).
  ``subject_box(alpha, padding, threshold=VISIBLE) -> (x, y, w, h)``: the box, clipped to the
      photo; the whole photo when nothing is visible (an empty matte is not cropped to nothing).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

VISIBLE = 1 / 255  # alpha that survives 8-bit rounding counts as subject
MAX_PIXELS, MAX_PERCENT = 100_000, 1000  # more padding than any photo has is a typo


@dataclass(frozen=True)
class Padding:
    amount: float = 0.0
    percent: bool = False  # amount is a percentage of the box's long side

    def __post_init__(self) -> None:
        top = MAX_PERCENT if self.percent else MAX_PIXELS
        if not (math.isfinite(self.amount) and 0 <= self.amount <= top):  # nan, inf, 1e400 included
            raise ValueError(f"crop padding must be within 0..{top:g}{'%' if self.percent else ' px'}, got {self.amount:g}")

    def pixels(self, box_long_side: int) -> int:
        return round(self.amount * box_long_side / 100) if self.percent else round(self.amount)

    def __str__(self) -> str:
        return f"{self.amount:g}%" if self.percent else f"{self.amount:g}px"


def parse_padding(text: str) -> Padding:
    """``"40"``, ``"40px"`` or ``"5%"``."""
    s = str(text).strip().lower()
    percent = s.endswith("%")
    s = s.rstrip("%").removesuffix("px").strip()
    try:
        amount = float(s)
    except ValueError:
        raise ValueError(f"crop padding must be pixels (40) or a percentage (5%), got {text!r}") from None
    return Padding(amount, percent)


def subject_box(alpha: np.ndarray, padding: Padding = Padding(), threshold: float = VISIBLE) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the pixels with alpha >= ``threshold``, grown by ``padding`` on every side
    and clipped to the photo."""
    h, w = alpha.shape
    visible = alpha >= threshold
    rows, cols = np.flatnonzero(visible.any(axis=1)), np.flatnonzero(visible.any(axis=0))
    if rows.size == 0:
        return 0, 0, w, h
    y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    pad = padding.pixels(max(y1 - y0, x1 - x0))
    x0, y0, x1, y1 = max(0, x0 - pad), max(0, y0 - pad), min(w, x1 + pad), min(h, y1 + pad)
    return x0, y0, x1 - x0, y1 - y0
