"""The edge-aware brushes in the window: quick selection (add to / remove from the subject, the
stroke grown to the image's edges) and refine edge (the painted band re-solved with closed-form
matting). Both apply themselves when the stroke ends, as one undoable step, and are shown first
on the display proxy:

  * while a refine-edge stroke is painted, the band so far is solved on the proxy (one solve at a
    time; the latest stroke is solved next) and shown;
  * when a stroke ends, its proxy result is computed and shown, then (not at the same time: the
    preview gets the CPU first) the full-resolution result is computed in a worker and replaces
    the matte (``Document.apply_brush``).

Strokes are applied in the order they were painted: each full-resolution job starts from the matte
the previous one left, and each preview from the previous preview. The engine side is
``matting.quick_select``; nothing here touches full-resolution pixels on the GUI thread."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from matting.quick_select import (DEFAULT_METHOD, grow_stroke, quick_select, rasterise_stroke, refine_band,
                                  refine_band_preview)

QUICK_ADD, QUICK_REMOVE, REFINE_EDGE = "quick_add", "quick_remove", "refine_edge"
EDGE_KINDS = (QUICK_ADD, QUICK_REMOVE, REFINE_EDGE)
LABELS = {QUICK_ADD: "Quick selection: add", QUICK_REMOVE: "Quick selection: remove", REFINE_EDGE: "Refine edge"}


def proxy_result(kind: str, rgb: np.ndarray, alpha: np.ndarray, points, radius: float,
                 method: str = DEFAULT_METHOD) -> np.ndarray:
    """A brush's result on arrays of any size (the proxy): the quick selection's grown pixels set
    (without the edge solve, for speed), or the refine-edge band solved on a reduced crop."""
    if kind == REFINE_EDGE:
        return refine_band_preview(rgb, alpha, rasterise_stroke(points, radius, alpha.shape))
    add = kind == QUICK_ADD
    sel = grow_stroke(rgb, alpha, rasterise_stroke(points, radius, alpha.shape), radius, add, method)
    out = alpha.copy()
    if not sel.empty:
        out[sel.window][sel.mask] = 1.0 if add else 0.0
    return out


def full_result(kind: str, rgb: np.ndarray, alpha: np.ndarray, points, radius: float, progress=None, cancel=None,
                method: str = DEFAULT_METHOD) -> np.ndarray:
    """A brush's result at full resolution (the selection's new edge re-solved too)."""
    if kind == REFINE_EDGE:
        return refine_band(rgb, alpha, rasterise_stroke(points, radius, alpha.shape), progress, cancel)
    return quick_select(rgb, alpha, points, radius, kind == QUICK_ADD, method, progress, cancel)


class EdgeBrushes(QObject):
    """Runs the edge-aware brushes for a window (its ``workers``, ``display`` and ``doc``)."""

    previewed = Signal()  # a proxy result is on screen
    applied = Signal(str)  # kind: a full-resolution result is in the document
    failed = Signal(str)

    def __init__(self, window, method: str = DEFAULT_METHOD):
        super().__init__(window)
        self.window, self.method = window, method
        self.queue: list[tuple[str, list[tuple[float, float]], float]] = []  # strokes waiting for full resolution
        self.running = False
        self.preview_base: np.ndarray | None = None  # the proxy alpha the next preview starts from
        self.previews: list[tuple[str, list, float, bool]] = []  # (kind, points, radius, final)
        self.preview_running = False
        self.preview_pool = window.workers.dedicated_pool()  # never behind a long job in the global pool

    @property
    def busy(self) -> bool:
        return self.running or bool(self.queue) or self.preview_running or bool(self.previews)

    def matte_replaced(self) -> None:
        """The document's matte changed by other means (undo, reset...): previews start afresh."""
        if not self.busy:
            self.preview_base = None

    # ---- strokes in
    def stroke_moved(self, kind: str, points, radius: float) -> None:
        """A refine-edge stroke grows: solve the band so far on the proxy (the newest only)."""
        if kind != REFINE_EDGE or len(points) < 2:
            return
        self.previews = [p for p in self.previews if p[3]]  # an older unfinished stroke is superseded
        self.previews.append((kind, _xy(points), radius, False))
        self._next_preview()

    def stroke_finished(self, kind: str, points, radius: float) -> None:
        doc = self.window.doc
        if doc is None or not doc.has_matte or not points:
            return
        xy = _xy(points)
        self.previews = [p for p in self.previews if p[3]]
        self.previews.append((kind, xy, radius, True))
        self._next_preview()
        self.queue.append((kind, xy, radius))
        self._next_full()

    # ---- previews on the proxy
    def _next_preview(self) -> None:
        display = self.window.display
        if self.preview_running or not self.previews or display.proxy is None or display.proxy.alpha is None:
            return
        kind, xy, radius, final = self.previews.pop(0)
        proxy = display.proxy
        base = self.preview_base if self.preview_base is not None else proxy.alpha
        s = proxy.scale
        pts, r, rgb, method = [(x * s, y * s) for x, y in xy], max(1.0, radius * s), proxy.rgb, self.method
        self.preview_running = True

        def done(small: np.ndarray) -> None:
            self.preview_running = False
            if final:
                self.preview_base = small
            display.show_preview(small)
            self.previewed.emit()
            self._next_preview()
            self._next_full()

        def failed(message: str) -> None:
            self.preview_running = False
            self.failed.emit(message)
            self._next_preview()
            self._next_full()

        self.window.workers.start(lambda _p, _c: proxy_result(kind, rgb, base, pts, r, method), on_done=done,
                                  on_failed=failed, key="edge-preview", pool=self.preview_pool)

    # ---- full resolution, in order
    def _next_full(self) -> None:
        doc = self.window.doc
        if self.running or not self.queue or doc is None or self.preview_running:
            return  # the preview goes first: it is what the designer waits for
        kind, xy, radius = self.queue.pop(0)
        rgb, alpha, method = doc.image.rgb, doc.alpha, self.method
        self.running = True

        def job(progress, cancel):
            return full_result(kind, rgb, alpha, xy, radius, progress, cancel, method)

        def done(new: np.ndarray) -> None:
            self.running = False
            if doc is self.window.doc:
                doc.apply_brush(new, LABELS[kind])
                self.applied.emit(kind)
            self._next_full()

        def stopped(message: str = "") -> None:
            self.running = False
            self.queue.clear()
            if message:
                self.failed.emit(message)

        self.window.workers.start(job, on_done=done, on_failed=stopped, on_cancelled=stopped, key="edge-brush")


def _xy(points) -> list[tuple[float, float]]:
    """QPointF (or (x, y)) points -> (x, y) floats, safe to hand to a worker."""
    return [(float(p.x()), float(p.y())) if hasattr(p, "x") else (float(p[0]), float(p[1])) for p in points]
