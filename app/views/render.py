"""Turning the document's arrays into pictures for each view mode (numpy -> QImage), at whatever
scale the caller passes: the display pipeline calls it on screen-resolution proxies and on crops of
the visible area, never on a whole full-resolution photo.

Modes: ``original``, ``alpha``, ``cutout`` (the subject over the chosen background, with the
estimated foreground colours once computed) and the edge checks ``black``, ``white``,
``checker``, ``color``; and Select-and-Mask's views: ``overlay`` (the cut-away area tinted red at
the view opacity), ``onion`` (the cutout over the photo, whose cut-away part shows at
1 - opacity over the checkerboard), ``band`` (the photo, dimmed, with the outline of the band the
edge radius re-solves in the edge-check colour). ``alpha`` is Photoshop's "Black & White" view.
Over a transparent background (cutout), in the checkerboard check and in onion skin the picture
is premultiplied RGBA: the canvas draws the checkerboard behind it at a fixed screen size."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QColorSpace, QImage

from matting.colour import is_srgb

VIEW_MODES = {
    "original": "Original",
    "alpha": "Alpha matte (black and white)",
    "cutout": "Cutout on background",
    "black": "Edge check: over black",
    "white": "Edge check: over white",
    "checker": "Edge check: over checkerboard",
    "color": "Edge check: over colour",
    "overlay": "Overlay (red mask)",
    "onion": "Onion skin (cutout over the photo)",
    "band": "Refine band outline",
}
OVERLAY_RED = np.array((255, 0, 0), np.float32) / 255.0
SOLID_PLATES = {"black": (0, 0, 0), "white": (255, 255, 255)}


SRGB = QColorSpace(QColorSpace.NamedColorSpace.SRgb)


@lru_cache(maxsize=8)
def colour_space(icc: bytes | None) -> QColorSpace | None:
    """The photo's ICC profile as a QColorSpace; None when its pixels are sRGB already (untagged
    included) or Qt cannot use the profile (then the pixels are shown as they are)."""
    if icc is None or is_srgb(icc):
        return None
    space = QColorSpace.fromIccProfile(QByteArray(icc))
    return space if space.isValid() else None


def to_qimage(pixels: np.ndarray, icc: bytes | None = None) -> QImage:
    """uint8 HxWx3 (RGB) or HxWx4 (premultiplied RGBA) -> QImage (a copy, safe to keep and to make
    in a worker thread), already in the format pixmaps use (32-bit), so that turning it into a
    pixmap on the GUI thread is a plain copy and not a conversion. Colour-managed: ``pixels`` are
    in the ICC profile ``icc`` (the photo's; None: sRGB) and the picture comes back converted to
    sRGB and tagged so (Qt's QColorSpace), as the panes draw on an sRGB screen: an Adobe RGB or
    ProPhoto photo shows its own colours, not washed-out or oversaturated ones."""
    pixels = np.ascontiguousarray(pixels)
    h, w, c = pixels.shape
    if c == 3:
        image = QImage(pixels.data, w, h, 3 * w, QImage.Format.Format_RGB888).convertToFormat(QImage.Format.Format_RGB32)
    else:
        image = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGBA8888_Premultiplied)
        image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    space = colour_space(icc)
    if space is not None:
        image.setColorSpace(space)
        image.convertToColorSpace(SRGB)
    else:
        image.setColorSpace(SRGB)
    return image


def needs_plate(mode: str, background_kind: str) -> bool:
    """Whether ``compose_view`` wants a background plate for ``mode``."""
    return mode == "cutout" and background_kind in ("color", "image", "blur")


def band_outline(band: np.ndarray) -> np.ndarray:
    """The one-pixel outline (inner and outer border) of a boolean band."""
    import cv2

    b = band.astype(np.uint8)
    return cv2.morphologyEx(b, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0


def compose_view(mode: str, rgb: np.ndarray, alpha: np.ndarray | None, fg: np.ndarray | None,
                 plate: np.ndarray | None, edge_color: tuple[int, int, int], *, opacity: float = 0.5,
                 band: np.ndarray | None = None) -> np.ndarray:
    """The uint8 picture of one view mode from same-sized arrays: ``rgb`` uint8 HxWx3, ``alpha``
    float HxW (None before the matte exists: the photo is shown), ``fg`` float HxWx3 foreground
    colours (None: the photo's own), ``plate`` float HxWx3 background (cutout on a colour, image
    or blur; None: transparent). RGB, or premultiplied RGBA for transparency. ``opacity``: the
    overlay's red and the onion skin's fading; ``band``: boolean HxW, the refine band (``band``)."""
    if mode == "original" or alpha is None:
        return rgb
    if mode == "band":
        dimmed = (rgb.astype(np.float32) * 0.6 + 40).astype(np.uint8)
        if band is not None:
            dimmed[band_outline(band)] = edge_color
        return dimmed
    if mode == "alpha":
        grey = np.round(np.clip(alpha, 0, 1) * 255).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    a = np.clip(alpha, 0, 1)[..., None].astype(np.float32)
    colour = fg if fg is not None else rgb.astype(np.float32) / 255.0
    if mode == "overlay":
        tint = np.float32(opacity) * (1 - a)
        photo = rgb.astype(np.float32) / 255.0
        return np.round((photo * (1 - tint) + OVERLAY_RED * tint) * 255).astype(np.uint8)
    if mode == "onion":
        rest = (1 - a) * np.float32(1 - opacity)
        photo = rgb.astype(np.float32) / 255.0
        premultiplied = colour * a + photo * rest
        return np.round(np.dstack([premultiplied, a + rest]) * 255).astype(np.uint8)
    if (mode == "cutout" and plate is None) or mode == "checker":
        premultiplied = np.round(colour * a * 255)
        return np.dstack([premultiplied, np.round(a * 255)]).astype(np.uint8)
    if mode == "cutout":
        back = plate
    else:
        back = np.array(SOLID_PLATES.get(mode, edge_color), np.float32) / 255.0
    return np.round((a * colour + (1 - a) * back) * 255).astype(np.uint8)
