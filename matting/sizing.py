"""The one long-side resize: the size a picture gets when its long side is brought to ``side``
(aspect kept, rounded), used by the engine's working resolution, the app's display proxy, the
quick-selection brush's working windows, the training data and the benches.

Public API:
  ``long_side_size(width, height, side, enlarge=False, minimum=1) -> (w, h)``;
  ``fit_long_side(image, side, interpolation=cv2.INTER_AREA, enlarge=False) -> image`` (the
      array itself when it already fits).
"""
from __future__ import annotations

import cv2
import numpy as np


def long_side_size(width: int, height: int, side: int, enlarge: bool = False, minimum: int = 1) -> tuple[int, int]:
    """(w, h) with the long side at ``side`` (never above the original's unless ``enlarge``),
    each at least ``minimum``."""
    s = side / max(width, height)
    if not enlarge:
        s = min(1.0, s)
    return max(minimum, round(width * s)), max(minimum, round(height * s))


def fit_long_side(image: np.ndarray, side: int, interpolation: int = cv2.INTER_AREA, enlarge: bool = False) -> np.ndarray:
    """``image`` resized so its long side is ``side`` (only made smaller unless ``enlarge``)."""
    h, w = image.shape[:2]
    size = long_side_size(w, h, side, enlarge)
    if size == (w, h):
        return image
    return cv2.resize(image, size, interpolation=interpolation)
