"""The designer's strokes the network listens to (``network/guidance.py``), NumPy-first.

``Strokes`` holds two boolean masks at the photo's size: where the designer said "subject" and
where they said "background". A click is a disc (``click_radius``: 1.5 % of the long side, about
8 px at the network's 512 px); a brush stroke is what it painted. As a file (``read_strokes``,
``write_strokes``): an RGBA PNG of the photo's size, white = subject, black = background,
transparent = no say. In a folder (``msia-matte batch``) a photo's strokes file lies beside it,
named ``<photo file name>.strokes.png`` (``strokes_beside``); such files are never photos to process.

``simulate_click`` is the click a designer makes on the largest wrong region (the protocol of the
interactive segmentation papers, RITM / "NoC"): the error regions are where the prediction and the
truth disagree at 0.5; the click goes to the point of the larger one farthest from its border,
"subject" if the region was missed, "background" if it was wrongly kept. Training samples its
clicks this way too (``training/clicks.py``), and ``bench/strokes.py`` counts them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

CLICK_RADIUS = 0.015  # of the long side
STROKES_SUFFIX = ".strokes.png"  # cat.jpg -> cat.jpg.strokes.png


@dataclass
class Strokes:
    subject: np.ndarray  # HxW bool
    background: np.ndarray  # HxW bool

    @classmethod
    def empty(cls, height: int, width: int) -> "Strokes":
        return cls(np.zeros((height, width), bool), np.zeros((height, width), bool))

    @property
    def shape(self) -> tuple[int, int]:
        return self.subject.shape

    def __bool__(self) -> bool:
        return bool(self.subject.any() or self.background.any())

    def add_click(self, y: int, x: int, positive: bool, radius: int | None = None) -> None:
        """A click: a disc of ``radius`` (default ``click_radius``) painted on one mask and
        cleared from the other (the newest word wins)."""
        r = click_radius(self.shape) if radius is None else radius
        disc = np.zeros(self.shape, np.uint8)
        cv2.circle(disc, (int(x), int(y)), int(r), 1, thickness=-1)
        disc = disc.astype(bool)
        on, off = (self.subject, self.background) if positive else (self.background, self.subject)
        on |= disc
        off &= ~disc

    def maps(self, height: int, width: int) -> np.ndarray:
        """2 x height x width float32 (subject, background) at the network's input size: a pixel
        is on where any painted pixel falls into it, so thin strokes survive the downscale."""
        out = np.zeros((2, height, width), np.float32)
        for i, mask in enumerate((self.subject, self.background)):
            m = mask.astype(np.float32)
            if m.shape != (height, width):
                m = cv2.resize(m, (width, height), interpolation=cv2.INTER_AREA)
            out[i] = m > 0
        return out


def click_radius(shape: tuple[int, ...]) -> int:
    return max(2, round(CLICK_RADIUS * max(shape[:2])))


def read_strokes(path: str | Path, shape: tuple[int, int]) -> Strokes:
    """A strokes file (white = subject, black = background, transparent = no say) for a photo of
    ``shape`` (height, width); a file of another size is scaled to it (nearest)."""
    from .imageio import load_image
    from .pixels import to_uint8

    loaded = load_image(path)
    rgb, alpha = to_uint8(loaded.rgb), loaded.input_alpha
    said = np.ones(rgb.shape[:2], bool) if alpha is None else np.asarray(alpha) > (127 if alpha.dtype == np.uint8 else 32767)
    lum = rgb.mean(-1)
    subject, background = said & (lum >= 128), said & (lum < 128)
    if alpha is None:  # an opaque file: white is subject, the rest no say (black cannot mean both)
        background = np.zeros_like(background)
    if subject.shape != tuple(shape):
        size = (shape[1], shape[0])
        subject = cv2.resize(subject.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
        background = cv2.resize(background.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    return Strokes(subject, background)


def load_strokes(path: str | Path, shape: tuple[int, int]) -> Strokes:
    """``read_strokes``, any failure a ``MattingError`` naming the file."""
    from .errors import MattingError

    try:
        return read_strokes(path, shape)
    except MattingError as exc:
        raise MattingError(f"strokes file {exc}") from None  # the message names the file
    except Exception as exc:
        raise MattingError(f"strokes file {path}: cannot be read as strokes ({type(exc).__name__}: {exc})") from None


def strokes_beside(photo: str | Path) -> Path:
    """Where a photo's strokes file lies in a folder: ``cat.jpg`` -> ``cat.jpg.strokes.png``."""
    photo = Path(photo)
    return photo.with_name(photo.name + STROKES_SUFFIX)


def found_strokes(photo: str | Path) -> Path | None:
    """The strokes file beside ``photo`` when there is one; a name too long for the file system
    (the photo's own name near the limit) cannot be there."""
    path = strokes_beside(photo)
    try:
        return path if path.is_file() else None
    except OSError:
        return None


def is_strokes_file(path: str | Path) -> bool:
    return Path(path).name.lower().endswith(STROKES_SUFFIX)


def write_strokes(path: str | Path, strokes: Strokes) -> Path:
    """The strokes as an RGBA PNG that ``read_strokes`` reads back (atomic)."""
    from .imageio import save_image

    rgba = np.zeros(strokes.shape + (4,), np.uint8)
    rgba[strokes.subject] = (255, 255, 255, 255)
    rgba[strokes.background] = (0, 0, 0, 255)
    save_image(path, rgba)
    return Path(path)


def _farthest_inside(mask: np.ndarray) -> tuple[float, tuple[int, int]]:
    """(distance to the border, (y, x)) of the point of ``mask`` farthest from its border (the
    image's edge counts as border)."""
    padded = np.pad(mask.astype(np.uint8), 1)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2, 5)[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(dist)), dist.shape)
    return float(dist[y, x]), (int(y), int(x))


def simulate_click(pred: np.ndarray, truth: np.ndarray, threshold: float = 0.5,
                   min_depth: float = 0.0) -> tuple[int, int, bool] | None:
    """(y, x, positive) of the click on the largest wrong region of ``pred`` against ``truth``
    (both HxW in [0, 1]); None when they agree everywhere at ``threshold``, or when no wrong
    region is deeper than ``min_depth`` px (a thin edge is no place for a click)."""
    p, t = pred >= threshold, truth >= threshold
    d_miss, at_miss = _farthest_inside(t & ~p)
    d_extra, at_extra = _farthest_inside(~t & p)
    if max(d_miss, d_extra) <= max(min_depth, 0.0):
        return None
    (y, x), positive = (at_miss, True) if d_miss >= d_extra else (at_extra, False)
    return y, x, positive
