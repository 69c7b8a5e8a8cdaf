"""Turning the document into pictures for each view mode (numpy -> QImage).

Modes: ``original``, ``alpha``, ``cutout`` (the subject over the chosen background, with the
estimated foreground colours once computed) and the edge checks ``black``, ``white``,
``checker``, ``color`` (alpha over a plate; see matting.compose.preview)."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from matting.compose import Background, background_plate, checkerboard, preview, to_dtype, unit

VIEW_MODES = {
    "original": "Original",
    "alpha": "Alpha matte",
    "cutout": "Cutout on background",
    "black": "Edge check: over black",
    "white": "Edge check: over white",
    "checker": "Edge check: over checkerboard",
    "color": "Edge check: over colour",
}


def to_qimage(rgb: np.ndarray) -> QImage:
    """uint8 (or uint16, shown as 8-bit) HxWx3 -> QImage (a copy, safe to keep)."""
    if rgb.dtype == np.uint16:
        rgb = (rgb >> 8).astype(np.uint8)
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def render(doc, mode: str, background: Background, edge_color: tuple[int, int, int]) -> np.ndarray:
    """The uint8 RGB picture of ``doc`` in ``mode``."""
    rgb = doc.image.rgb
    if mode == "original" or doc.alpha is None:
        return rgb if rgb.dtype == np.uint8 else (rgb >> 8).astype(np.uint8)
    alpha = doc.alpha
    if mode == "cutout":
        colour = doc.foreground if doc.foreground is not None else unit(rgb)
        h, w = alpha.shape
        plate = checkerboard(h, w) if background.kind == "transparent" else background_plate(rgb, background)
        a = alpha[..., None]
        return to_dtype(a * colour + (1 - a) * plate, np.uint8)
    return preview(rgb, alpha, mode, color=edge_color, fg=doc.foreground)
