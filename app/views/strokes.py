"""Brush strokes as masks (for the refinement); their colours (the canvas draws them as paths)."""
from __future__ import annotations

import cv2
import numpy as np

STROKE_COLOURS = {"foreground": (40, 220, 60), "background": (230, 40, 40), "unknown": (250, 210, 30)}


def _draw(target: np.ndarray, strokes, value) -> None:
    for s in strokes:
        pts = [(int(round(x)), int(round(y))) for x, y in ((p.x(), p.y()) if hasattr(p, "x") else p for p in s.points)]
        r = max(1, int(round(s.radius)))
        colour = value(s) if callable(value) else value
        for a, b in zip(pts, pts[1:] or pts):
            cv2.line(target, a, b, colour, thickness=2 * r, lineType=cv2.LINE_AA if target.ndim == 3 else cv2.LINE_8)
        for p in pts[:1] + pts[-1:]:
            cv2.circle(target, p, r, colour, -1)


def rasterise(strokes, width: int, height: int) -> np.ndarray:
    mask = np.zeros((height, width), np.uint8)
    _draw(mask, strokes, 1)
    return mask.astype(bool)
