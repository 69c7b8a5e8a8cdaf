"""Turning the document's arrays into pictures for each view mode (numpy -> QImage), at whatever
scale the caller passes: the display pipeline calls it on screen-resolution proxies and on crops of
the visible area, never on a whole full-resolution photo.

Modes: ``original``, ``alpha``, ``cutout`` (the subject over the chosen background, with the
estimated foreground colours once computed) and the edge checks ``black``, ``white``,
``checker``, ``color``. Over a transparent background (cutout) and in the checkerboard check the
picture is premultiplied RGBA: the canvas draws the checkerboard behind it at a fixed screen size."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

VIEW_MODES = {
    "original": "Original",
    "alpha": "Alpha matte",
    "cutout": "Cutout on background",
    "black": "Edge check: over black",
    "white": "Edge check: over white",
    "checker": "Edge check: over checkerboard",
    "color": "Edge check: over colour",
}
SOLID_PLATES = {"black": (0, 0, 0), "white": (255, 255, 255)}


def to_qimage(pixels: np.ndarray) -> QImage:
    """uint8 HxWx3 (RGB) or HxWx4 (premultiplied RGBA) -> QImage (a copy, safe to keep and to make
    in a worker thread), already in the format pixmaps use (32-bit), so that turning it into a
    pixmap on the GUI thread is a plain copy and not a conversion."""
    pixels = np.ascontiguousarray(pixels)
    h, w, c = pixels.shape
    if c == 3:
        return QImage(pixels.data, w, h, 3 * w, QImage.Format.Format_RGB888).convertToFormat(QImage.Format.Format_RGB32)
    image = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGBA8888_Premultiplied)
    return image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def needs_plate(mode: str, background_kind: str) -> bool:
    """Whether ``compose_view`` wants a background plate for ``mode``."""
    return mode == "cutout" and background_kind in ("color", "image", "blur")


def compose_view(mode: str, rgb: np.ndarray, alpha: np.ndarray | None, fg: np.ndarray | None,
                 plate: np.ndarray | None, edge_color: tuple[int, int, int]) -> np.ndarray:
    """The uint8 picture of one view mode from same-sized arrays: ``rgb`` uint8 HxWx3, ``alpha``
    float HxW (None before the matte exists: the photo is shown), ``fg`` float HxWx3 foreground
    colours (None: the photo's own), ``plate`` float HxWx3 background (cutout on a colour, image
    or blur; None: transparent). RGB, or premultiplied RGBA for transparency."""
    if mode == "original" or alpha is None:
        return rgb
    if mode == "alpha":
        grey = np.round(np.clip(alpha, 0, 1) * 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    a = np.clip(alpha, 0, 1)[..., None].astype(np.float32)
    colour = fg if fg is not None else rgb.astype(np.float32) / 255.0
    if (mode == "cutout" and plate is None) or mode == "checker":
        premultiplied = np.round(colour * a * 255)
        return np.dstack([premultiplied, np.round(a * 255)]).astype(np.uint8)
    if mode == "cutout":
        back = plate
    else:
        back = np.array(SOLID_PLATES.get(mode, edge_color), np.float32) / 255.0
    return np.round((a * colour + (1 - a) * back) * 255).astype(np.uint8)
