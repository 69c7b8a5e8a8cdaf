"""The display pipeline: what the panes draw, made in workers at screen resolution, so that the GUI
thread only swaps finished pictures in, whatever the photo's size (a 24 MP photo is 96 MB of
float alpha and 288 MB of float colour; compositing it on the GUI thread froze the window for
seconds, the blur for minutes).

Levels:
  * the proxy: the photo, its matte and its foreground colours reduced so that the long side is
    at most ``PROXY_SIDE``; made once per photo (in the open worker), per matte and per
    foreground estimate. Background plates (colour, image scaled to cover, blurred original)
    are made at this scale and cached per background; pictures (one per view mode, matte,
    foreground, background and edge colour) are rendered from it with their pyramid (halvings
    down to ``PYRAMID_SMALLEST``) and cached (``PICTURE_CACHE``); a pane draws the level just
    above its size on screen.
  * detail tiles: once a pane's zoom magnifies the proxy, the visible area is rendered from the
    full-resolution arrays at screen resolution (at most one photo pixel per screen pixel, so
    pixel-exact past 100 %) after the view has been still for ``DETAIL_DELAY_MS``. The plate of a
    detail tile is the proxy's plate enlarged (a blur or a background photo varies slowly).
Views update progressively: the photo first, then the matte's views, then the edge colours; a
pane keeps its last picture until the new one is ready, never a frozen window.

Edge controls (``matting.edge_controls``) are previewed on the proxy: the adjusted proxy matte is
made in a worker (``proxy-edge``, the newest setting wins) with the settings scaled to the proxy;
the band solve (edge radius) is cached per matte and radius, so the other controls only filter.
Detail tiles and the loupe apply the full-resolution settings to their region plus a margin.
While a control moves (``set_edge(..., draft=True)``) the visible panes get a draft picture made
at ``DRAFT_SIDE`` from a reduced copy of the proxy, the edge radius's band solved on that copy
reduced to ``matting.refine.SKETCH_UNKNOWN`` unknown pixels (tens of ms instead of seconds; the
band outline view follows the radius live); the full proxy picture follows when the change is
committed. A pane zoomed in past the proxy gets its draft at the visible region's resolution
instead (a detail tile made from the full-resolution arrays, the band solved reduced to
``DRAFT_DETAIL_UNKNOWN`` pixels): a 1024 px draft enlarged at 100 % was a blur until release. A
view, opacity, background or colour change whose picture is not cached gets a draft picture too
(``refresh(draft_first=True)``), shown until the full one is rendered.

Brushes draw their results as patches (``show_patch``): the picture of the stroke's dirty
rectangle only, made in the brush's worker (``patch_maker``) and laid over the pane until the
pane's whole picture shows that matte (``_prune_patches``).

Work is latest-value-wins: a job started under the name of a queued one replaces it, and the
replaced one never runs (``app.workers``), so a burst of moves costs the running job and the
newest one.
"""
from __future__ import annotations

import sys
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QObject, QPoint, QTimer, Signal
from PySide6.QtGui import QImage

from matting.colour import colour_in_profile
from matting.compose import Background, background_plate
from matting.pixels import to_uint8
from matting.sizing import long_side_size
from matting.edge_controls import EdgeSettings, apply_edge_settings, decontaminate, edge_band, resolve_band
from matting.progress import check
from matting.refine import SKETCH_UNKNOWN

from .views.render import compose_view, needs_plate, to_qimage

PROXY_SIDE = 2048
PYRAMID_SMALLEST = 384  # the smallest pyramid level's long side is above this
PICTURE_CACHE = 12
PLATE_CACHE = 4
DETAIL_DELAY_MS = 120
DRAFT_SIDE = 1024  # long side of the pictures shown while an edge control moves
DRAFT_DETAIL_UNKNOWN = 20_000  # band pixels a zoomed-in pane's draft solves at most (~0.1-0.3 s)
RENDER_PRIORITY = 5  # display work goes before queued matte and foreground work


def proxy_size(width: int, height: int, side: int = PROXY_SIDE) -> tuple[int, int]:
    """(w, h) of the proxy: the long side at most ``side``, aspect kept."""
    return long_side_size(width, height, side)


def reduce(array: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-average ``array`` to ``size`` (w, h); unchanged when already that size."""
    if (array.shape[1], array.shape[0]) == size:
        return array
    return cv2.resize(array, size, interpolation=cv2.INTER_AREA)


def pyramid(pixels: np.ndarray, smallest: int = PYRAMID_SMALLEST, icc: bytes | None = None) -> list[QImage]:
    """``pixels`` and its halvings down to ``smallest`` px on the long side, largest first: a
    pane draws the level nearest above its size on screen (smooth-scaling the 2048 px proxy into
    a 500 px pane cost ~50 ms of GUI-thread painting per pane)."""
    levels = [to_qimage(pixels, icc)]
    while max(pixels.shape[:2]) > 2 * smallest:
        h, w = pixels.shape[:2]
        pixels = cv2.resize(pixels, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
        levels.append(to_qimage(pixels, icc))
    return levels


def make_proxy_rgb(rgb: np.ndarray) -> np.ndarray:
    """The photo's proxy (uint8), made once per photo in the open worker."""
    h, w = rgb.shape[:2]
    return to_uint8(reduce(rgb, proxy_size(w, h)))


def background_key(background: Background) -> tuple:
    """What identifies a background's plate (an image file by path and modification time)."""
    if background.kind == "image":
        try:
            stamp = Path(background.image).stat().st_mtime_ns
        except OSError:
            stamp = 0
        return ("image", str(background.image), stamp)
    if background.kind == "color":
        return ("color", tuple(background.color))
    if background.kind == "blur":
        return ("blur", round(background.blur, 4))
    return ("transparent",)


@dataclass(frozen=True)
class Proxy:
    scale: float  # proxy pixels per photo pixel
    rgb: np.ndarray  # uint8 HxWx3
    alpha: np.ndarray | None = None
    fg: np.ndarray | None = None
    alpha_version: int = 0
    fg_version: int = 0
    edge_alpha: np.ndarray | None = None  # ``alpha`` with the edge settings applied (None: unchanged)
    edge_version: int = 0

    @property
    def size(self) -> tuple[int, int]:
        return self.rgb.shape[1], self.rgb.shape[0]


def edge_margin(edge: EdgeSettings) -> int:
    """Pixels of context an edge setting reads around a pixel (a region is adjusted with these)."""
    return int(np.ceil(edge.radius + 2 * 3 * edge.smooth + 3 * edge.feather + abs(edge.shift))) + 4


def region_pixels(mode: str, rgb: np.ndarray, alpha: np.ndarray | None, fg: np.ndarray | None,
                  plate: np.ndarray | None, plate_scale: float, rect: tuple[int, int, int, int], step: float,
                  edge_color: tuple[int, int, int], edge: EdgeSettings = EdgeSettings(),
                  opacity: float = 0.5, max_unknown: int | None = None) -> np.ndarray:
    """The picture of ``rect`` = (x, y, w, h) of the full-resolution arrays, reduced by ``step``
    (photo pixels per output pixel, >= 1); ``plate`` is at ``plate_scale`` of the photo and is
    resampled to the region. ``edge``: the settings applied to the region (with the context
    they need around it) at full resolution; ``max_unknown``: the edge radius's band solved
    reduced above this many pixels (a draft)."""
    x, y, w, h = rect
    ow, oh = max(1, round(w / step)), max(1, round(h / step))
    band = None
    if alpha is not None and (edge.changes_alpha or mode == "band"):
        m = edge_margin(edge)
        H, W = alpha.shape
        x0, y0, x1, y1 = max(0, x - m), max(0, y - m), min(W, x + w + m), min(H, y + h + m)
        a = alpha[y0:y1, x0:x1]
        inner = (slice(y - y0, y - y0 + h), slice(x - x0, x - x0 + w))
        if mode == "band":
            band = reduce(edge_band(a, max(1.0, edge.radius)).astype(np.uint8)[inner], (ow, oh)) > 0
        solved = None
        if max_unknown is not None and edge.radius > 0:
            solved = resolve_band(rgb[y0:y1, x0:x1], a, edge.radius, max_unknown=max_unknown)
        alpha = apply_edge_settings(rgb[y0:y1, x0:x1], a, edge, solved=solved)[inner]
        rgb, fg = rgb[y0:y1, x0:x1], None if fg is None else fg[y0:y1, x0:x1]
        rgb, fg = rgb[inner], None if fg is None else fg[inner]
        local = (0, 0, w, h)
    else:
        local = rect

    def crop(a: np.ndarray | None) -> np.ndarray | None:
        lx, ly, lw, lh = local
        return None if a is None else reduce(a[ly : ly + lh, lx : lx + lw], (ow, oh))

    plate_crop = None
    if plate is not None:
        k = plate_scale * w / ow  # plate pixels per output pixel
        m = np.array([[k, 0, plate_scale * (x + 0.5 * w / ow) - 0.5], [0, k, plate_scale * (y + 0.5 * h / oh) - 0.5]],
                     np.float32)
        plate_crop = cv2.warpAffine(plate, m, (ow, oh), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                    borderMode=cv2.BORDER_REPLICATE)
    small_rgb, small_fg = to_uint8(crop(rgb)), crop(fg)
    if small_fg is not None and edge.decontaminate < 1:
        small_fg = decontaminate(small_rgb, small_fg, edge.decontaminate)
    return compose_view(mode, small_rgb, crop(alpha), small_fg, plate_crop, edge_color, opacity=opacity, band=band)


class DisplayPipeline(QObject):
    """Keeps every visible pane showing the current document in its view mode (see the module
    docstring). ``updated`` is emitted whenever no display work is left."""

    updated = Signal()

    def __init__(self, workers, compare, parent: QObject | None = None):
        super().__init__(parent)
        self.workers, self.compare = workers, compare
        self.doc = None
        self.proxy: Proxy | None = None
        self.background = Background()
        self.edge_color: tuple[int, int, int] = (255, 0, 255)
        self.edge = EdgeSettings()
        self.opacity = 0.5  # overlay and onion skin
        self._solved: tuple[tuple, np.ndarray] | None = None  # ((alpha_version, radius), band-solved proxy alpha)
        self.draft_edge: EdgeSettings | None = None  # the settings of the draft being made or shown
        self._draft_base: tuple[tuple, tuple] | None = None  # ((alpha_version, fg_version), reduced arrays)
        self._sketch: tuple[tuple, np.ndarray] | None = None  # ((base key, radius), band solved reduced on the draft base)
        self.view_drafts: dict[str, tuple] = {}  # mode -> the key a view draft is being made for
        self.pictures: OrderedDict[tuple, tuple[list[QImage], bool]] = OrderedDict()
        self.plates: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self.pending: set[str] = set()
        self.previewing = False  # the proxy shows a brush's preview, not the document's matte
        self.pool = workers.dedicated_pool(2)  # pictures never wait behind a matte, a batch or a brush job
        self.rendering: dict[str, tuple] = {}  # mode -> the picture being rendered for it
        self.detail_timer = QTimer(self)
        self.detail_timer.setSingleShot(True)
        self.detail_timer.setInterval(DETAIL_DELAY_MS)
        self.detail_timer.timeout.connect(self._request_details)
        for pane in compare.panes:
            pane.canvas.viewChanged.connect(lambda *_a: self.detail_timer.start())

    @property
    def icc(self) -> bytes | None:
        """The photo's ICC profile: the space of every array the panes draw (see ``to_qimage``)."""
        return None if self.doc is None else self.doc.image.icc_profile

    def edge_colour_in_photo(self) -> tuple[int, int, int]:
        """The edge-check colour (sRGB, as picked) in the photo's colour space, where the views are
        composed before ``to_qimage`` converts them for the screen."""
        return tuple(int(round(v * 255)) for v in colour_in_profile(self.edge_color, self.icc))  # type: ignore[return-value]

    # ---- state in
    def set_document(self, doc, proxy_rgb: np.ndarray) -> None:
        """A new photo (its proxy made in the open worker): show it at once."""
        self.doc = doc
        w, h = doc.size
        self.proxy = Proxy(proxy_rgb.shape[1] / w, proxy_rgb)
        self.pictures.clear()
        self.plates.clear()
        self.rendering.clear()
        self.view_drafts.clear()
        for pane in self.compare.panes:
            pane.canvas.set_content_size(w, h)
        self.compare.fit()
        self.refresh()

    def matte_changed(self) -> None:
        """The document's alpha was replaced: reduce it in a worker, then redraw."""
        doc, alpha = self.doc, self.doc.alpha
        size = self.proxy.size
        self._job("proxy-alpha", lambda _p, _c: reduce(alpha, size),
                  lambda small: self._proxy_alpha(doc, alpha, small))

    def _proxy_alpha(self, doc, alpha: np.ndarray, small: np.ndarray) -> None:
        if doc is self.doc and alpha is doc.alpha:
            self.previewing = False
            self._set_proxy_alpha(small)

    def _set_proxy_alpha(self, small: np.ndarray) -> None:
        """A new matte at proxy size: drawn at once, then with the edge settings applied."""
        p = self.proxy
        self.proxy = replace(p, alpha=small, fg=None, alpha_version=p.alpha_version + 1, fg_version=p.fg_version + 1,
                             edge_alpha=None)
        self._solved = None
        self.refresh()
        self._apply_edge()

    def show_preview(self, small: np.ndarray) -> None:
        """A brush's result at proxy size, shown before the full-resolution one is computed (no
        detail tiles meanwhile: they would show the document's matte)."""
        if self.proxy is not None and small.shape == self.proxy.rgb.shape[:2]:
            self.previewing = True
            for pane in self.compare.panes:
                pane.canvas.clear_detail()
            self._set_proxy_alpha(small)

    def foreground_changed(self) -> None:
        doc, fg = self.doc, self.doc.foreground
        if fg is None:
            return
        size = self.proxy.size
        self._job("proxy-fg", lambda _p, _c: reduce(fg, size), lambda small: self._proxy_fg(doc, fg, small))

    def _proxy_fg(self, doc, fg: np.ndarray, small: np.ndarray) -> None:
        if doc is self.doc and fg is doc.foreground:
            self.proxy = replace(self.proxy, fg=small, fg_version=self.proxy.fg_version + 1)
            self.refresh()

    def set_edge(self, edge: EdgeSettings, draft: bool = False) -> None:
        """New edge settings: the proxy's matte is adjusted in a worker, then the views redraw.
        ``draft``: a control is moving; show a quick reduced picture only (see the module docstring)."""
        if draft:
            self._draft(edge)
            return
        shown_draft = self.draft_edge is not None
        self.draft_edge = None  # a draft still being made is dropped
        if shown_draft:
            for pane in self.compare.panes:
                if pane.canvas.content_key and pane.canvas.content_key[0] == "draft":
                    pane.canvas.content_key = None  # refresh gives it the full picture again
                if pane.canvas.detail is not None and pane.canvas.detail[2][0] == "draft-detail":
                    pane.canvas.clear_detail()  # the committed settings' detail follows
        if edge == self.edge:
            self.refresh()
            return
        self.edge = edge
        self._apply_edge()

    def _draft(self, edge: EdgeSettings) -> None:
        p = self.proxy
        if p is None or p.alpha is None:
            return
        self.draft_edge = edge
        zoomed = [pane for pane in self.compare.visible_panes if self._magnifies(pane.canvas)]
        modes = {pane.mode for pane in self.compare.visible_panes if pane not in zoomed}
        if modes:
            job = self._draft_job(modes, edge)
            self._job("draft", job, lambda r: self._draft_done(edge, *r))
        for pane in zoomed:
            self._draft_detail(pane, edge)

    def _magnifies(self, canvas) -> bool:
        """The pane shows the proxy enlarged: detail tiles (and drafts) come from full resolution."""
        return self.proxy.scale < 1.0 and canvas.zoom > self.proxy.scale * 1.01

    def _draft_detail(self, pane, edge: EdgeSettings) -> None:
        """A zoomed-in pane's draft: its visible region at screen resolution with ``edge``."""
        canvas = pane.canvas
        rect = canvas.visible_image_rect()
        if rect is None or canvas.content_key is None:
            return
        step = max(1.0, 1.0 / canvas.zoom)
        job = self._detail_job(pane.mode, rect, step, edge, DRAFT_DETAIL_UNKNOWN)
        if job is None:
            return
        key = ("draft-detail", id(edge))

        def done(result) -> None:
            if edge is self.draft_edge:
                canvas.set_detail(result[0], rect, step, key)

        self._job(f"draft-detail:{self.compare.panes.index(pane)}", job, done)

    def _draft_job(self, modes: set[str], edge: EdgeSettings | None):
        """A worker function making draft pictures (``DRAFT_SIDE``) of ``modes`` from a reduced copy
        of the proxy: with ``edge``, those settings applied to the reduced matte (the edge radius
        by a band solve reduced to ``SKETCH_UNKNOWN`` pixels); without, the proxy's current
        adjusted matte reduced. Returns (base key, reduced arrays, sketch solve, {mode: (image,
        has_alpha)})."""
        p = self.proxy
        base_key = (p.alpha_version, p.fg_version)
        base = self._draft_base[1] if self._draft_base is not None and self._draft_base[0] == base_key else None
        plate = self.plates.get(self._plate_key())
        background, colour, opacity, icc = self.background, self.edge_colour_in_photo(), self.opacity, self.icc
        shown_edge = self.edge if edge is None else edge
        current = p.edge_alpha if p.edge_alpha is not None else p.alpha
        sketch = self._sketch

        def job(_progress, cancel):
            b = base
            if b is None:
                size = proxy_size(*p.size, side=DRAFT_SIDE)
                b = (reduce(p.rgb, size), reduce(p.alpha, size), None if p.fg is None else reduce(p.fg, size),
                     size[0] / p.size[0])
            rgb, alpha, fg, s = b
            solved = None
            if edge is None:
                adjusted = reduce(current, (rgb.shape[1], rgb.shape[0]))
            else:
                scaled = edge.scaled(p.scale * s)
                sketch_key = (base_key, round(scaled.radius, 3))
                if scaled.radius > 0:
                    solved = sketch[1] if sketch is not None and sketch[0] == sketch_key else \
                        resolve_band(rgb, alpha, scaled.radius, cancel=cancel, max_unknown=SKETCH_UNKNOWN)
                    solved = (sketch_key, solved)
                adjusted = apply_edge_settings(rgb, alpha, scaled, solved=None if solved is None else solved[1])
            if fg is not None and shown_edge.decontaminate < 1:
                fg = decontaminate(rgb, fg, shown_edge.decontaminate)
            pictures = {}
            for mode in modes:
                check(cancel)
                pl = None
                if needs_plate(mode, background.kind):
                    if plate is None:
                        continue
                    pl = reduce(plate, (rgb.shape[1], rgb.shape[0]))
                band = edge_band(alpha, max(1.0, shown_edge.radius * p.scale * s)) if mode == "band" else None
                pixels = compose_view(mode, rgb, adjusted, fg, pl, colour, opacity=opacity, band=band)
                pictures[mode] = (to_qimage(pixels, icc), pixels.shape[2] == 4)
            return base_key, b, solved, pictures

        return job

    def _keep_draft_base(self, base_key: tuple, base: tuple, solved) -> None:
        self._draft_base = (base_key, base)
        if solved is not None:
            self._sketch = solved

    def _draft_done(self, edge: EdgeSettings, base_key: tuple, base: tuple, solved, pictures: dict) -> None:
        self._keep_draft_base(base_key, base, solved)
        if edge is not self.draft_edge:
            return  # a newer draft is coming, or the change was committed meanwhile
        for pane in self.compare.visible_panes:
            if pane.mode in pictures:
                image, has_alpha = pictures[pane.mode]
                pane.canvas.set_picture(image, ("draft", id(edge), pane.mode), has_alpha)

    def _view_draft(self, mode: str, key: tuple) -> None:
        """A draft picture of ``key`` (a view, opacity, background or colour change whose full
        picture is not cached): shown until the full picture is rendered."""
        self.view_drafts[mode] = key
        job = self._draft_job({mode}, None)
        self._job(f"view-draft:{mode}", job, lambda r: self._view_draft_done(mode, key, *r))

    def _view_draft_done(self, mode: str, key: tuple, base_key: tuple, base: tuple, solved, pictures: dict) -> None:
        self._keep_draft_base(base_key, base, solved)
        if self.view_drafts.get(mode) == key:
            del self.view_drafts[mode]
        if mode not in pictures or self.draft_edge is not None:
            return
        for pane in self.compare.visible_panes:
            if pane.mode == mode and self.content_key(mode) == key and pane.canvas.content_key != key:
                image, has_alpha = pictures[mode]
                pane.canvas.set_picture(image, ("draft", key), has_alpha)

    # ---- brush patches
    def patch_maker(self):
        """A function for a worker: (alpha at proxy size, dirty rect (x, y, w, h) of the proxy) ->
        {mode: picture of that rect} for the visible panes, with the current background, colours
        and edge settings (the radius's band solve left out, as in drafts)."""
        p = self.proxy
        modes = {pane.mode for pane in self.compare.visible_panes if pane.mode != "original"}
        plate = self.plates.get(self._plate_key())
        background, colour, opacity, icc = self.background, self.edge_colour_in_photo(), self.opacity, self.icc
        edge = replace(self.edge.scaled(p.scale), radius=0)

        def make(alpha: np.ndarray, rect: tuple[int, int, int, int]) -> dict[str, QImage]:
            out = {}
            for mode in modes:
                needed = needs_plate(mode, background.kind)
                if needed and plate is None:
                    continue
                pl = plate if needed else None
                out[mode] = to_qimage(region_pixels(mode, p.rgb, alpha, p.fg, pl, 1.0, rect, 1.0, colour, edge, opacity), icc)
            return out

        return make

    def show_patch(self, pictures: dict[str, QImage], rect: tuple[int, int, int, int], tag: tuple) -> None:
        """Draw a brush's dirty rectangle (``rect`` of the proxy, pictures from ``patch_maker``) over
        the panes showing those modes. ``tag`` = (kind, stroke, version): ``("sketch", n, None)``
        is a first look at stroke ``n``, dropped when the exact patch of stroke ``n`` or a later
        one arrives; ``("exact", n, v)`` goes once a pane's picture shows matte version ``v``."""
        p = self.proxy
        if p is None:
            return
        x, y, w, h = (v / p.scale for v in rect)
        kind, stroke, _version = tag
        for pane in self.compare.visible_panes:
            if kind == "exact":
                pane.canvas.clear_patches(lambda t, n=stroke: t is not None and t[0] == "sketch" and t[1] <= n)
            if pane.mode in pictures:
                pane.canvas.add_patch(pictures[pane.mode], (x, y, w, h), (*tag, pane.mode))

    def _prune_patches(self, pane, key: tuple) -> None:
        """Patches of another mode, or that the pane's new picture ``key`` already shows, go."""
        version = key[1][0] if len(key) > 1 and isinstance(key[1], tuple) else -1

        def obsolete(tag) -> bool:
            return tag is None or tag[3] != pane.mode or (tag[0] == "exact" and tag[2] <= version)

        pane.canvas.clear_patches(obsolete)

    def set_opacity(self, opacity: float) -> None:
        self.opacity = float(opacity)
        self.refresh(draft_first=True)

    def _apply_edge(self) -> None:
        p, edge = self.proxy, self.edge
        if p is None or p.alpha is None:
            self.refresh()
            return
        scaled = edge.scaled(p.scale)
        solve_key = (p.alpha_version, round(scaled.radius, 3))
        cached = self._solved[1] if self._solved is not None and self._solved[0] == solve_key else None

        def job(_progress, cancel):
            solved = cached
            if solved is None and scaled.radius > 0:
                solved = resolve_band(p.rgb, p.alpha, scaled.radius, cancel=cancel)
            return apply_edge_settings(p.rgb, p.alpha, scaled, solved=solved), solved

        self._job("proxy-edge", job, lambda r: self._edge_done(p.alpha_version, edge, solve_key, *r))

    def _edge_done(self, version: int, edge: EdgeSettings, solve_key: tuple, adjusted: np.ndarray, solved) -> None:
        p = self.proxy
        if p is None or p.alpha_version != version or edge != self.edge:
            return
        if solved is not None:
            self._solved = (solve_key, solved)
        self.proxy = replace(p, edge_alpha=None if adjusted is p.alpha else adjusted, edge_version=p.edge_version + 1)
        self.refresh()

    def set_background(self, background: Background) -> None:
        self.background = background
        self.refresh(draft_first=True)

    def set_edge_color(self, color: tuple[int, int, int]) -> None:
        self.edge_color = color
        self.refresh(draft_first=True)

    # ---- pictures
    def busy(self) -> bool:
        """Display work is queued or running (the bench and the tests wait for it)."""
        return bool(self.pending) or self.detail_timer.isActive()

    def content_key(self, mode: str) -> tuple:
        p = self.proxy
        if mode == "original" or p is None or p.alpha is None:
            return ("original",)
        matte = (p.alpha_version, p.edge_version)
        colours = (p.fg_version, self.edge.decontaminate)
        if mode == "alpha":
            return ("alpha", matte)
        if mode == "cutout":
            return ("cutout", matte, colours, background_key(self.background))
        if mode in ("color", "band"):
            return (mode, matte, colours, self.edge_color, self.edge.radius)
        if mode in ("overlay", "onion"):
            return (mode, matte, colours, self.opacity)
        return (mode, matte, colours)

    def refresh(self, draft_first: bool = False) -> None:
        """Give every visible pane its current picture: from the cache, or rendered in a worker
        (the pane keeps its last picture meanwhile). ``draft_first`` (a view, opacity, background
        or colour change): a draft picture is made at once too, shown until the full one is
        ready (a full 2048 px picture takes 0.1-0.3 s)."""
        if self.proxy is None:
            return
        for pane in self.compare.visible_panes:
            key = self.content_key(pane.mode)
            if pane.canvas.content_key == key:
                self._prune_patches(pane, key)
                continue
            if key in self.pictures:
                self.pictures.move_to_end(key)
                image, has_alpha = self.pictures[key]
                pane.canvas.set_picture(image, key, has_alpha)
                self._prune_patches(pane, key)
                continue
            if self.rendering.get(key[0]) != key:  # two panes may want the same picture
                self._render(key[0], key)
            if (draft_first and key[0] != "original" and self.proxy.alpha is not None
                    and self.view_drafts.get(key[0]) != key and pane.canvas.content_key != ("draft", key)):
                self._view_draft(key[0], key)
        self.detail_timer.start()

    def _plate_key(self) -> tuple:
        return background_key(self.background), self.proxy.size

    def _render(self, mode: str, key: tuple) -> None:
        p, background, colour, icc = self.proxy, self.background, self.edge_colour_in_photo(), self.icc
        edge, opacity = self.edge, self.opacity
        alpha = p.edge_alpha if p.edge_alpha is not None else p.alpha
        plate_key = self._plate_key()
        wants_plate = needs_plate(mode, background.kind)
        plate = self.plates.get(plate_key) if wants_plate else None

        def job(_progress, cancel):
            pl = plate
            if wants_plate and pl is None:
                pl = background_plate(p.rgb, background, icc)
                check(cancel)
            fg = p.fg if p.fg is None or edge.decontaminate >= 1 else decontaminate(p.rgb, p.fg, edge.decontaminate)
            band = edge_band(p.alpha, max(1.0, edge.radius * p.scale)) if mode == "band" and p.alpha is not None else None
            pixels = compose_view(mode, p.rgb, alpha, fg, pl, colour, opacity=opacity, band=band)
            return pyramid(pixels, icc=icc), pixels.shape[2] == 4, pl

        self.rendering[mode] = key
        self._job(f"render:{mode}", job, lambda result: self._rendered(key, plate_key if wants_plate else None, *result))

    def _rendered(self, key: tuple, plate_key: tuple | None, image: list[QImage], has_alpha: bool, plate) -> None:
        self.rendering.pop(key[0], None)
        if plate_key is not None:
            self.plates[plate_key] = plate
            while len(self.plates) > PLATE_CACHE:
                self.plates.popitem(last=False)
        self.pictures[key] = (image, has_alpha)
        while len(self.pictures) > PICTURE_CACHE:
            self.pictures.popitem(last=False)
        self.refresh()

    # ---- detail tiles
    def _request_details(self) -> None:
        if self.proxy is None or self.draft_edge is not None:
            return  # while an edge control moves, zoomed-in panes get draft details (_draft_detail)
        for i, pane in enumerate(self.compare.panes):
            canvas = pane.canvas
            if not pane.isVisible() or canvas.content_key is None or canvas.content_key[0] == "draft" or canvas.patch_items:
                continue
            if self.previewing or not self._magnifies(canvas):  # the proxy is enough
                canvas.clear_detail()
                continue
            rect = canvas.visible_image_rect()
            if rect is None:
                continue
            step = max(1.0, 1.0 / canvas.zoom)
            key = canvas.content_key
            if canvas.detail_covers(rect, step, key):
                continue
            job = self._detail_job(pane.mode, rect, step)
            if job is not None:
                self._job(f"detail:{i}", job, lambda r, c=canvas, k=key, rc=rect, s=step: self._detail_done(c, k, rc, s, *r))
        self._maybe_updated()

    def _detail_job(self, mode: str, rect: tuple[int, int, int, int], step: float, edge: EdgeSettings | None = None,
                    max_unknown: int | None = None):
        """A worker function for the picture of ``rect`` at ``step`` (with ``edge``, default the
        current settings; ``max_unknown``: a draft's reduced band solve); None until its plate is
        there."""
        doc, p, background, colour, icc = self.doc, self.proxy, self.background, self.edge_colour_in_photo(), self.icc
        plate = None
        if p.alpha is not None and needs_plate(mode, background.kind):
            plate = self.plates.get(self._plate_key())
            if plate is None:
                return None  # the proxy picture (and its plate) comes first
        rgb, alpha = doc.image.rgb, doc.alpha if p.alpha is not None else None
        fg = doc.foreground if p.fg is not None else None
        edge, opacity = edge or self.edge, self.opacity

        def job(_progress, _cancel):
            pixels = region_pixels(mode, rgb, alpha, fg, plate, p.scale, rect, step, colour, edge, opacity, max_unknown)
            return to_qimage(pixels, icc), pixels.shape[2] == 4

        return job

    def _detail_done(self, canvas, key: tuple, rect, step: float, image: QImage, has_alpha: bool) -> None:
        if canvas.content_key == key:
            canvas.set_detail(image, rect, step, key)

    def region_image(self, mode: str, rect: tuple[int, int, int, int]) -> QImage | None:
        """A small full-resolution region, drawn on the calling (GUI) thread: for the loupe,
        which shows at most 200 x 200 photo pixels."""
        if self.proxy is None:
            return None
        doc, p = self.doc, self.proxy
        plate = None
        if p.alpha is not None and needs_plate(mode, self.background.kind):
            plate = self.plates.get(self._plate_key())
            if plate is None:
                return None
        x, y, w, h = rect
        W, H = doc.size
        x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
        if x1 <= x0 or y1 <= y0:
            return None
        alpha = doc.alpha if p.alpha is not None else None
        fg = doc.foreground if p.fg is not None else None
        pixels = region_pixels(mode, doc.image.rgb, alpha, fg, plate, p.scale, (x0, y0, x1 - x0, y1 - y0), 1.0,
                               self.edge_colour_in_photo(),
                               self.edge if self.edge.radius == 0 else replace(self.edge, radius=0), self.opacity)
        image = to_qimage(pixels, self.icc)
        image.setOffset(QPoint(x0 - x, y0 - y))  # where the clipped region starts in ``rect``
        return image

    # ---- jobs
    def _job(self, name: str, fn, on_done) -> None:
        self.pending.add(name)

        def finished(*_a):
            self.pending.discard(name)
            self._maybe_updated()

        def failed(message: str):
            print(f"display: {name} failed: {message}", file=sys.stderr)
            finished()

        def done(result):
            try:
                on_done(result)
            finally:
                finished()

        self.workers.start(fn, on_done=done, on_failed=failed, on_cancelled=finished, key=f"display:{name}",
                           priority=RENDER_PRIORITY, pool=self.pool)

    def _maybe_updated(self) -> None:
        if not self.busy():
            self.updated.emit()
