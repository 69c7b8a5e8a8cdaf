"""The edge-aware brushes in the window: quick selection (add to / remove from the subject, the
stroke grown to the image's edges) and refine edge (the painted band re-solved with closed-form
matting). Both apply themselves when the stroke ends, as one undoable step, and are shown first
on the display proxy, in three looks, each replacing the one before:

  * a sketch, while painting and at once when the stroke ends: the same computation at a coarser
    scale (``SKETCH_SIDE`` for quick selection, in the stroke's first window only; the band's crop
    at ``SKETCH_BAND_SIDE`` for refine edge; one at a time, the newest stroke state next: states
    the brush moved past unsketched are skipped),
    drawn as a patch over the stroke's dirty rectangle only (``DisplayPipeline.show_patch``), so
    that neither the whole proxy picture nor the whole matte is made again first;
  * the exact proxy result (the quick selection at its working scale, the refine-edge band on its
    crop at ``PREVIEW_SIDE``) once the stroke ends, drawn as a patch the same way, then made the
    proxy's matte so that the whole picture follows. While painting only sketches are made: an
    exact band solve beside each sketch (as before) put two solves in threads against the GUI
    thread, which then waited up to 437 ms for Python's lock or a core on a quiet machine
    (bench/brush_responsiveness.py; sketches alone: at most 33-81 ms in 6 of 7 runs, 130 once);
  * the full-resolution result, computed in a worker after the exact preview (the preview gets the
    CPU first), which replaces the document's matte (``Document.apply_brush``).

Strokes are applied in the order they were painted: each full-resolution job starts from the matte
the previous one left, and each preview from the previous exact preview. A full-resolution result
computed from a matte the document no longer has (a new network matte arrived meanwhile) is
computed again from the current one, never pasted over it. The engine side is
``matting.quick_select``; nothing here touches full-resolution pixels on the GUI thread."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from matting.progress import check
from matting.quick_select import (DEFAULT_METHOD, MAX_GROW, PREVIEW_SIDE, band_window, bounding_box, grow_stroke,
                                  quick_select, rasterise_stroke, refine_band, refine_band_preview)

from ..display import edge_margin
from ..edits import Edit

QUICK_ADD, QUICK_REMOVE, REFINE_EDGE = "quick_add", "quick_remove", "refine_edge"
EDGE_KINDS = (QUICK_ADD, QUICK_REMOVE, REFINE_EDGE)
LABELS = {QUICK_ADD: "Quick selection: add", QUICK_REMOVE: "Quick selection: remove", REFINE_EDGE: "Refine edge"}
SKETCH_BAND_SIDE = 128  # px: the refine-edge sketch solves the band's crop reduced to this long side

Window = tuple[slice, slice]


def proxy_result(kind: str, rgb: np.ndarray, alpha: np.ndarray, points, radius: float,
                 method: str = DEFAULT_METHOD, sketch: bool = False, cancel=None,
                 painting: bool = False) -> tuple[np.ndarray, Window | None]:
    """A brush's result on arrays of any size (the proxy), and the window it changed (None:
    nothing): the quick selection's grown pixels set (without the edge solve, for speed), or the
    refine-edge band solved on a reduced crop. ``sketch``: the coarser first look (module
    docstring); ``painting``: the quick selection's first window only, not grown again when the
    selection reaches its side (the sketches). Raises ``Cancelled``."""
    stroke = rasterise_stroke(points, radius, alpha.shape)
    if kind == REFINE_EDGE:
        side = SKETCH_BAND_SIDE if sketch else PREVIEW_SIDE
        return refine_band_preview(rgb, alpha, stroke, side, cancel), band_window(stroke)
    add = kind == QUICK_ADD
    sel = grow_stroke(rgb, alpha, stroke, radius, add, method, sketch, cancel, 0 if painting else MAX_GROW)
    out = alpha.copy()
    box = bounding_box(sel.mask)
    if box is None:
        return out, None
    out[sel.window][sel.mask] = 1.0 if add else 0.0
    (ys, xs), (y0, y1, x0, x1) = sel.window, box  # what changed: the selection's box, not its window's
    return out, (slice(ys.start + y0, ys.start + y1 + 1), slice(xs.start + x0, xs.start + x1 + 1))


def dirty_rect(window: Window, margin: int, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(x, y, w, h) of ``window`` grown by ``margin`` (what an edge setting spreads a change by),
    clipped to ``shape``."""
    ys, xs = window
    h, w = shape[:2]
    x0, y0 = max(0, xs.start - margin), max(0, ys.start - margin)
    x1, y1 = min(w, xs.stop + margin), min(h, ys.stop + margin)
    return x0, y0, x1 - x0, y1 - y0


def full_result(kind: str, rgb: np.ndarray, alpha: np.ndarray, points, radius: float, progress=None, cancel=None,
                method: str = DEFAULT_METHOD) -> np.ndarray:
    """A brush's result at full resolution (the selection's new edge re-solved too)."""
    if kind == REFINE_EDGE:
        return refine_band(rgb, alpha, rasterise_stroke(points, radius, alpha.shape), progress, cancel)
    return quick_select(rgb, alpha, points, radius, kind == QUICK_ADD, method, progress, cancel)


class EdgeBrushes(QObject):
    """Runs the edge-aware brushes for a window (its ``workers``, ``display`` and ``doc``)."""

    sketched = Signal(bool)  # a stroke's first look is on screen (True: of the finished stroke)
    previewed = Signal()  # an exact proxy result is on screen
    applied = Signal(str)  # kind: a full-resolution result is in the document
    failed = Signal(str)

    def __init__(self, window, method: str = DEFAULT_METHOD):
        super().__init__(window)
        self.window, self.method = window, method
        self.queue: list[tuple[str, list[tuple[float, float]], float]] = []  # strokes waiting for full resolution
        self.running = False
        self.preview_base: np.ndarray | None = None  # the proxy alpha the next preview starts from
        self.previews: list[tuple[str, list, float, int]] = []  # finished strokes' (kind, points, radius, stroke)
        self.preview_running = False
        self.preview_pool = window.workers.dedicated_pool()  # never behind a long job in the global pool
        self.sketch_pool = window.workers.dedicated_pool()  # sketches never wait behind an exact preview
        self.strokes = 0  # strokes finished so far; the one being painted is ``strokes + 1``
        self.exact_shown = 0  # the last stroke whose final exact preview is on screen
        self.sketch_running: tuple | None = None  # ((kind, points, radius, stroke), task) being sketched
        self.sketch_wanted: tuple | None = None  # the stroke state to sketch next
        self.sketch_final: tuple | None = None  # the last finished stroke's (kind, points, radius, stroke)

    @property
    def busy(self) -> bool:
        return (self.running or bool(self.queue) or self.preview_running or bool(self.previews)
                or self.sketch_running is not None or self.sketch_wanted is not None)

    def matte_replaced(self) -> None:
        """The document's matte changed by other means (undo, reset...): previews start afresh."""
        if not self.busy:
            self.preview_base = None

    # ---- strokes in
    def stroke_moved(self, kind: str, points, radius: float) -> None:
        """A stroke grows: its sketch, the newest state only (module docstring)."""
        if kind not in EDGE_KINDS or len(points) < 2:
            return
        xy = _xy(points)
        self._sketch(kind, xy, radius, self.strokes + 1, False)

    def stroke_finished(self, kind: str, points, radius: float) -> None:
        doc = self.window.doc
        if doc is None or not doc.has_matte or not points:
            return
        xy = _xy(points)
        self.strokes += 1
        self._sketch(kind, xy, radius, self.strokes, True)
        self.previews.append((kind, xy, radius, self.strokes))
        self._next_preview()
        self.queue.append((kind, xy, radius))
        self._next_full()

    # ---- previews on the proxy
    def _preview_job(self, kind: str, xy, radius: float, base: np.ndarray | None, sketch: bool, painting: bool = False):
        """A worker function: (the brush's proxy alpha, dirty rect, patch pictures) for the stroke."""
        display = self.window.display
        proxy = display.proxy
        base = base if base is not None else proxy.alpha
        s = proxy.scale
        pts, r, rgb, method = [(x * s, y * s) for x, y in xy], max(1.0, radius * s), proxy.rgb, self.method
        make, margin = display.patch_maker(), edge_margin(display.edge.scaled(s))

        def job(_progress, cancel):
            small, window = proxy_result(kind, rgb, base, pts, r, method, sketch, cancel, painting)
            if window is None:
                return small, None, {}
            check(cancel)
            rect = dirty_rect(window, margin, small.shape)
            return small, rect, make(small, rect)

        return job

    def _sketch(self, kind: str, xy, radius: float, stroke: int, final: bool) -> None:
        """Sketch the stroke as it is now, one sketch at a time. While painting: at once if no
        sketch is being made, else after the one being made (which is still shown: a brush moving
        faster than sketches are made gets one every sketch's time), replacing any state still
        waiting. A finished stroke: the sketch of an older state being made is cancelled (unless
        it is of the same, last, state) and the stroke's sketch is made next; its exact preview
        waits for it (a few tens of ms), so that the two do not share the cores. A quick
        selection's sketch grows in the stroke's first window only (``proxy_result(painting=True)``:
        a third of the work; the exact preview grows the window as the full result does)."""
        args = (kind, xy, radius, stroke)
        if final:
            self.sketch_final = args
            if self.sketch_running is not None and self.sketch_running[0] == args:
                self.sketch_wanted = None
                return
            if self.sketch_running is not None:
                self.sketch_running[1].cancel()
        self.sketch_wanted = args
        self._next_sketch()

    def _next_sketch(self) -> None:
        display = self.window.display
        if self.sketch_running is not None or self.sketch_wanted is None or display.proxy is None \
                or display.proxy.alpha is None:
            return
        args, self.sketch_wanted = self.sketch_wanted, None
        kind, xy, radius, stroke = args

        def finished() -> None:
            self.sketch_running = None
            self._next_sketch()
            self._next_preview()

        def done(result) -> None:
            _small, rect, pictures = result
            if rect is not None and stroke > self.exact_shown:
                display.show_patch(pictures, rect, ("sketch", stroke, None))
                self.sketched.emit(self.sketch_final == args)
            finished()

        def failed(message: str) -> None:
            self.failed.emit(message)
            finished()

        job = self._preview_job(kind, xy, radius, self.preview_base, True, True)
        task = self.window.workers.start(job, on_done=done, on_failed=failed, on_cancelled=finished, pool=self.sketch_pool)
        self.sketch_running = (args, task)

    def _next_preview(self) -> None:
        display = self.window.display
        if self.preview_running or not self.previews or display.proxy is None or display.proxy.alpha is None:
            return
        if self._sketching(self.previews[0][3]):
            return  # the finished stroke's sketch first (_next_sketch calls again)
        kind, xy, radius, stroke = self.previews.pop(0)
        self.preview_running = True

        def done(result) -> None:
            self.preview_running = False
            small, rect, pictures = result
            self.preview_base, self.exact_shown = small, stroke
            if display.proxy is not None:
                if rect is not None:
                    display.show_patch(pictures, rect, ("exact", stroke, display.proxy.alpha_version + 1))
                display.show_preview(small)
            self.previewed.emit()
            self._next_preview()
            self._next_full()

        def failed(message: str) -> None:
            self.preview_running = False
            self.failed.emit(message)
            self._next_preview()
            self._next_full()

        self.window.workers.start(self._preview_job(kind, xy, radius, self.preview_base, False), on_done=done,
                                  on_failed=failed, key="edge-preview", pool=self.preview_pool)

    def _sketching(self, stroke: int) -> bool:
        """The sketch of stroke ``stroke``'s last state is being made or waits to be."""
        final = self.sketch_final
        return final is not None and final[3] == stroke and (
            self.sketch_wanted == final or (self.sketch_running is not None and self.sketch_running[0] == final))

    # ---- full resolution, in order
    def _next_full(self) -> None:
        doc = self.window.doc
        if self.running or not self.queue or doc is None or self.preview_running or self.previews:
            return  # the previews go first: they are what the designer waits for
        kind, xy, radius = stroke = self.queue.pop(0)
        rgb, alpha, version, method = doc.image.rgb, doc.alpha, doc.version, self.method
        self.running = True

        def job(progress, cancel):
            return full_result(kind, rgb, alpha, xy, radius, progress, cancel, method)

        def done(new: np.ndarray) -> None:
            self.running = False
            if doc is self.window.doc and doc.version != version:
                self.queue.insert(0, stroke)  # computed on an older matte: again, on the current one
            elif doc is self.window.doc:
                doc.apply_brush(new, LABELS[kind], Edit(kind, points=tuple(xy), radius=radius))
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
