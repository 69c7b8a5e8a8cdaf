"""Brush strokes as masks (for the refinement); their colours (the canvas draws them as paths)."""
from __future__ import annotations

import numpy as np

from matting.quick_select import draw_stroke

STROKE_COLOURS = {"foreground": (40, 220, 60), "background": (230, 40, 40), "unknown": (250, 210, 30)}


def rasterise(strokes, width: int, height: int) -> np.ndarray:
    """The painted ``strokes`` (objects with ``points``, QPointF or (x, y), and ``radius``) as one
    bool mask, by the engine's stroke rasteriser."""
    mask = np.zeros((height, width), np.uint8)
    for s in strokes:
        draw_stroke(mask, [(p.x(), p.y()) if hasattr(p, "x") else p for p in s.points], s.radius)
    return mask.astype(bool)
