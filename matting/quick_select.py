"""Edge-aware brushes: a quick-selection stroke that grows to the image's edges, and the band
re-solve a refine-edge stroke asks for. NumPy and OpenCV only (no Qt); the app runs these in
workers, ``bench/quick_select_strokes.py`` replays them against a reference.

Public API:
  ``draw_stroke(mask, points, radius, value=1)`` (in place; the one stroke rasteriser, the app uses it too);
  ``rasterise_stroke(points, radius, shape) -> bool HxW``: a polyline of (x, y) points swept by a
      disc of ``radius`` pixels (what the brushes paint).
  ``grow_stroke(rgb, alpha, stroke, radius, add=True, method=DEFAULT_METHOD) -> Selection``: the
      pixels a quick-selection stroke selects: the stroke grown, inside a window around it, up to
      the image's edges. ``add``: the stroke adds to the subject (else it removes from it).
  ``apply_selection(rgb, alpha, selection, add, progress, cancel) -> float32 alpha``: the matte with
      the selection made foreground (or background) and the new boundary re-solved with
      closed-form matting (``matting.refine.refine_with_trimap``), so the edge stays soft.
  ``quick_select(rgb, alpha, points, radius, add, method, ...)``: both in one call.
  ``refine_band(rgb, alpha, band, progress, cancel) -> float32 alpha``: closed-form matting on the
      painted band (the refine-edge brush), the rest of the matte fixed; ``refine_with_strokes``
      of ``matting.refine`` with only an unknown stroke.
  ``refine_band_preview(rgb, alpha, band, side=PREVIEW_SIDE)``: the same on the band's crop reduced
      to ``side`` px, for a preview while painting (a 2048 px proxy solved whole took seconds).

How a stroke grows. The window is the stroke's bounding box grown on each side by ``REACH`` brush
radii or the stroke's length, whichever is more, reduced so that its long side is at most ``WORK_SIDE`` pixels (so that a stroke costs about
the same on a 1 MP and a 50 MP photo). Inside it the pixels are seeded from what is known:
  * the stroke itself is the selected class;
  * the pixels the matte already gives that class (alpha >= 0.5 when adding), and those whose
    colour is like one under the stroke, probably are;
  * the window's border pixels of the other class, farther than two radii from the stroke and
    unlike every colour under it, are the other class for sure; the rest probably are.
A selection that reaches the window's side is computed again in a window twice as large (twice at
most), so a stroke inside a large missed region fills it up to its edges.
Three ways of growing were implemented and measured on the 14 trimap photos of
``../shared/data/photos`` (``bench/quick_select_strokes.py``; the table is in
``bench/results/quick_select_strokes.md``):
  * ``grabcut``: OpenCV's GrabCut (colour models and a graph cut) on those seeds;
  * ``geodesic``: each pixel goes to the seed it is closer to along a path whose length is the
    colour change crossed (Dijkstra on the 8-connected pixel graph; edges are long);
  * ``superpixels``: Felzenszwalb's graph segments (scikit-image, when installed) touched by the
    stroke, except segments that hold other-class seeds.
The selected pixels are kept only where they are connected to the stroke.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from .compose import unit
from .progress import CancelFn, ProgressFn, check, report
from .refine import MARGIN, UNKNOWN, refine_with_trimap, trimap_from_alpha
from .sizing import long_side_size

METHODS = ("grabcut", "geodesic", "superpixels")
DEFAULT_METHOD = "superpixels"  # chosen by bench/quick_select_strokes.py (module docstring)
WORK_SIDE = 200  # the window's long side, in pixels, where the growing is computed (GrabCut ~0.1 s)
SKETCH_SIDE = 100  # the same for the app's first look at a stroke (a quarter of the pixels: ~4x faster)
REACH = 4.0  # the window reaches this many brush radii past the stroke's bounding box
MIN_REACH = 24  # ... and at least this many pixels
GRABCUT_ITERATIONS = 3
MAX_GROW = 2  # a selection reaching the window's side is grown again in a window up to 2**MAX_GROW as large
SAMPLES = 64  # stroke colours each window pixel is compared with
LIKE_STROKE = 0.08  # unit-RGB distance under which a border pixel is like the stroke (no sure seed)
PREVIEW_SIDE = 384  # px: the refine-edge preview solves the band's crop reduced to this long side
MIN_BAND = 6  # px: the band re-solved around a selection's new edge is at least this wide on each side
GEODESIC_CONTRAST = 40.0  # path cost of a colour step of 1.0 (unit RGB), against 1 per pixel moved


@dataclass(frozen=True)
class Selection:
    """The pixels a stroke selected: ``mask`` (bool) over the photo area ``window`` (y, x slices)."""

    window: tuple[slice, slice]
    mask: np.ndarray

    @property
    def empty(self) -> bool:
        return not self.mask.any()


def draw_stroke(mask: np.ndarray, points: Sequence[tuple[float, float]], radius: float, value: int = 1) -> None:
    """Sweep a disc of ``radius`` pixels along the polyline of (x, y) ``points`` into ``mask``
    (uint8, drawn in place with ``value``): the one stroke rasteriser, for the brushes here and the
    app's painted strokes (``app/views/strokes.py``)."""
    pts = [(int(round(x)), int(round(y))) for x, y in points]
    r = max(1, int(round(radius)))
    for a, b in zip(pts, pts[1:] or pts):
        cv2.line(mask, a, b, value, thickness=2 * r)
    for p in pts[:1] + pts[-1:]:
        cv2.circle(mask, p, r, value, -1)


def rasterise_stroke(points: Sequence[tuple[float, float]], radius: float, shape: tuple[int, ...]) -> np.ndarray:
    """A polyline of (x, y) points swept by a disc of ``radius`` pixels, as a bool mask of
    ``shape[:2]``."""
    mask = np.zeros(shape[:2], np.uint8)
    draw_stroke(mask, points, radius)
    return mask.astype(bool)


def stroke_window(stroke: np.ndarray, radius: float, grow: float = 1.0) -> tuple[slice, slice] | None:
    """The stroke's bounding box grown by ``REACH`` radii, at least ``MIN_REACH`` px and at least
    the stroke's own extent (times ``grow``), clipped to the photo."""
    box = bounding_box(stroke)
    if box is None:
        return None
    y0, y1, x0, x1 = box
    extent = max(y1 - y0, x1 - x0)
    reach = int(round(grow * max(MIN_REACH, REACH * radius, extent)))
    h, w = stroke.shape
    return (slice(max(0, y0 - reach), min(h, y1 + reach + 1)), slice(max(0, x0 - reach), min(w, x1 + reach + 1)))


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """(first row, last row, first column, last column) of a bool mask's set pixels, None if
    there are none (OpenCV's: ~1 ms on a 2048 px proxy, where ``np.nonzero`` took 10-25 ms)."""
    x, y, w, h = cv2.boundingRect(mask.view(np.uint8) if mask.dtype == bool else mask.astype(np.uint8))
    return None if w == 0 else (y, y + h - 1, x, x + w - 1)


def _seeds(image: np.ndarray, alpha: np.ndarray, stroke: np.ndarray, radius: float,
           add: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sure selected, probably selected, sure other) masks of a window at working scale.
    Probably selected: what the matte already gives the stroke's class, and the pixels whose
    colour is like one under the stroke. Sure other: border pixels of the other class, farther
    than two radii from the stroke and unlike every colour under it (a border inside the region
    being fixed is no evidence)."""
    already = alpha >= 0.5 if add else alpha < 0.5
    border = np.zeros(stroke.shape, bool)
    border[[0, -1], :] = True
    border[:, [0, -1]] = True
    far = cv2.distanceTransform((~stroke).astype(np.uint8), cv2.DIST_L2, 3) > 2 * radius
    like = _like_stroke(image, stroke)
    return stroke, (already | like) & ~stroke, border & far & ~already & ~like


def _like_stroke(image: np.ndarray, stroke: np.ndarray) -> np.ndarray:
    """Pixels within ``LIKE_STROKE`` (unit RGB) of one of ``SAMPLES`` colours under the stroke.

    The squared distances to all samples come from dot products (|x|^2 - 2 x.c + |c|^2);
    the few pixels whose nearest distance lies within ``_NEAR_THRESHOLD`` of the threshold, where
    that form's rounding could decide, are measured again one sample at a time as
    ``(x - c)^2`` summed, so the answer is the same as that direct loop's (which took ~80 ms a
    window: the quick-selection preview's largest cost)."""
    samples = image[stroke]
    if not len(samples):
        return np.zeros(stroke.shape, bool)
    samples = samples[np.linspace(0, len(samples) - 1, min(SAMPLES, len(samples))).astype(int)]
    flat = image.reshape(-1, 3)
    # the dot products channel by channel: a BLAS product this thin cost 5-10 ms of thread start-up
    dots = flat[:, :1] * samples[:, 0] + flat[:, 1:2] * samples[:, 1] + flat[:, 2:3] * samples[:, 2]
    square = np.einsum("ij,ij->i", flat, flat)[:, None] - 2 * dots + (samples ** 2).sum(1)[None]
    nearest = square.min(axis=1)
    threshold = np.float32(LIKE_STROKE ** 2)
    like = nearest < threshold
    close = np.flatnonzero(np.abs(nearest - threshold) < _NEAR_THRESHOLD)
    if len(close):
        exact = np.full(len(close), np.inf, np.float32)
        sub = flat[close]
        for c in samples:
            np.minimum(exact, ((sub - c) ** 2).sum(1), out=exact)
        like[close] = exact < threshold
    return like.reshape(stroke.shape)


_NEAR_THRESHOLD = 1e-4  # far above float32 rounding of squared unit-RGB distances (~1e-6)


def _touches_border(mask: np.ndarray, win: tuple[slice, slice], shape: tuple[int, int]) -> bool:
    """``mask`` reaches a side of the window that is not a side of the photo."""
    ys, xs = win
    sides = ((ys.start > 0, mask[0, :]), (ys.stop < shape[0], mask[-1, :]), (xs.start > 0, mask[:, 0]),
             (xs.stop < shape[1], mask[:, -1]))
    return any(inner and side.any() for inner, side in sides)


def _grabcut(image: np.ndarray, sure: np.ndarray, probable: np.ndarray, other: np.ndarray) -> np.ndarray:
    mask = np.full(sure.shape, cv2.GC_PR_BGD, np.uint8)
    mask[probable] = cv2.GC_PR_FGD
    mask[other] = cv2.GC_BGD
    mask[sure] = cv2.GC_FGD
    if not (mask == cv2.GC_BGD).any() and not (mask == cv2.GC_PR_BGD).any():
        return np.ones(sure.shape, bool)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    img = np.ascontiguousarray(np.round(image * 255).astype(np.uint8))
    try:
        cv2.grabCut(img, mask, None, bgd, fgd, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # a colour model with too few distinct samples: nothing grows
        return sure.copy()
    return (mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)


def _geodesic(image: np.ndarray, sure: np.ndarray, _probable: np.ndarray, other: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    h, w = sure.shape
    index = np.arange(h * w).reshape(h, w)
    rows, cols, costs = [], [], []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ys, ye = 0, h - dy
        xs, xe = max(0, -dx), w - max(0, dx)
        a = index[ys:ye, xs:xe]
        b = index[ys + dy : ye + dy, xs + dx : xe + dx]
        step = np.linalg.norm(image[ys:ye, xs:xe] - image[ys + dy : ye + dy, xs + dx : xe + dx], axis=2)
        rows.append(a.ravel())
        cols.append(b.ravel())
        costs.append((np.hypot(dy, dx) + GEODESIC_CONTRAST * step).ravel())
    graph = coo_matrix((np.concatenate(costs), (np.concatenate(rows), np.concatenate(cols))), shape=(h * w, h * w)).tocsr()
    to_sure = dijkstra(graph, directed=False, indices=np.flatnonzero(sure), min_only=True).reshape(h, w)
    if not other.any():
        return to_sure <= np.percentile(to_sure, 50)
    to_other = dijkstra(graph, directed=False, indices=np.flatnonzero(other), min_only=True).reshape(h, w)
    return to_sure < to_other


def _superpixels(image: np.ndarray, sure: np.ndarray, _probable: np.ndarray, other: np.ndarray) -> np.ndarray:
    from skimage.segmentation import felzenszwalb

    labels = felzenszwalb(image, scale=100, sigma=0.8, min_size=max(20, sure.size // 2000))
    n = int(labels.max()) + 1  # segments as counts per label, not sorted sets (np.unique sorts)
    chosen = (np.bincount(labels[sure], minlength=n) > 0) & (np.bincount(labels[other], minlength=n) == 0)
    return chosen[labels] | sure


GROWERS = {"grabcut": _grabcut, "geodesic": _geodesic, "superpixels": _superpixels}


def grow_stroke(rgb: np.ndarray, alpha: np.ndarray, stroke: np.ndarray, radius: float, add: bool = True,
                method: str = DEFAULT_METHOD, sketch: bool = False, cancel: CancelFn = None,
                max_grow: int = MAX_GROW) -> Selection:
    """The pixels a quick-selection stroke (bool mask ``stroke`` of a brush of ``radius`` px)
    selects, grown to the edges of ``rgb`` (uint8/uint16/float HxWx3) within a window around it;
    ``alpha`` (float HxW) is the current matte. A selection that reaches the window's side is
    grown again in a window twice as large (at most ``MAX_GROW`` times). See the module docstring.
    ``sketch``: the app's first, coarser look at a stroke: worked at ``SKETCH_SIDE`` instead of
    ``WORK_SIDE``, 8-bit colours reduced before they are made floats (the window can be most of
    the photo: converting it whole cost ~20 ms). ``cancel`` is checked before each window;
    ``max_grow=0``: the first window only (the app's sketches while a stroke is being painted)."""
    if method not in GROWERS:
        raise ValueError(f"quick-selection method must be one of {', '.join(METHODS)}, got {method!r}")
    grow = 1.0
    while True:
        check(cancel)
        win = stroke_window(stroke, radius, grow)
        if win is None:
            return Selection((slice(0, 0), slice(0, 0)), np.zeros((0, 0), bool))
        grown, size = _grow_in(rgb, alpha, stroke, radius, add, method, win, sketch)
        if grow >= 2 ** max_grow or not _touches_border(grown, win, stroke.shape):
            break
        grow *= 2
    h, w = stroke[win].shape
    full = cv2.resize(grown.astype(np.uint8), (w, h), interpolation=cv2.INTER_LINEAR) > 0
    return Selection(win, full | stroke[win])


def _grow_in(rgb, alpha, stroke, radius, add, method, win, sketch) -> tuple[np.ndarray, tuple[int, int]]:
    """The grown selection of one window, at working scale, and that scale's (w, h)."""
    h, w = stroke[win].shape
    side = SKETCH_SIDE if sketch else WORK_SIDE
    size, s = long_side_size(w, h, side, minimum=2), min(1.0, side / max(h, w))
    if sketch and rgb.dtype == np.uint8:
        image = unit(cv2.resize(rgb[win], size, interpolation=cv2.INTER_AREA)).astype(np.float32)
    else:
        image = cv2.resize(unit(rgb[win]).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    small_alpha = cv2.resize(np.asarray(alpha[win], np.float32), size, interpolation=cv2.INTER_AREA)
    small_stroke = cv2.resize(stroke[win].astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
    if not small_stroke.any():
        small_stroke = cv2.resize(stroke[win].astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    sure, probable, other = _seeds(image, small_alpha, small_stroke, radius * s, add)
    grown = GROWERS[method](image, sure, probable, other) | sure
    return _connected_to(grown, sure), size


def _connected_to(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """The parts of ``mask`` (8-connected) that hold a seed pixel."""
    n, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    keep = np.zeros(n, bool)
    keep[labels[seeds & mask]] = True
    keep[0] = False
    return keep[labels]


def edge_band(scale: float) -> int:
    """Half-width in photo pixels of the band re-solved around a selection's new edge: the
    growing was computed at ``scale`` (working pixels per photo pixel), so its edge is only
    known to about one working pixel; at least ``MIN_BAND`` px, since segments stop at the
    strong colour change and leave the soft part of an edge (hair, blur) outside."""
    return max(MIN_BAND, int(np.ceil(1.5 / max(scale, 1e-6))))


def apply_selection(rgb: np.ndarray, alpha: np.ndarray, selection: Selection, add: bool = True,
                    progress: ProgressFn = None, cancel: CancelFn = None) -> np.ndarray:
    """A new matte (float32, ``alpha`` is not changed): the selected pixels made foreground (or,
    ``add=False``, background), then a band around the edge this created re-solved with
    closed-form matting; nothing outside the selection's window (plus ``MARGIN``) changes."""
    out = np.array(alpha, np.float32, copy=True)
    if selection.empty:
        return out
    ys, xs = selection.window
    h, w = alpha.shape
    # the crop the solve sees: the window plus context
    cy = slice(max(0, ys.start - MARGIN), min(h, ys.stop + MARGIN))
    cx = slice(max(0, xs.start - MARGIN), min(w, xs.stop + MARGIN))
    mask = np.zeros((cy.stop - cy.start, cx.stop - cx.start), bool)
    mask[ys.start - cy.start : ys.stop - cy.start, xs.start - cx.start : xs.stop - cx.start] = selection.mask
    crop = out[cy, cx]
    changed = mask & ((crop < 0.5) if add else (crop >= 0.5))
    crop[mask] = 1.0 if add else 0.0
    if not changed.any():
        out[cy, cx] = crop
        return out
    check(cancel)
    scale = min(1.0, WORK_SIDE / max(ys.stop - ys.start, xs.stop - xs.start))
    b = edge_band(scale)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * b + 1, 2 * b + 1))
    ch = changed.astype(np.uint8)
    band = (cv2.dilate(ch, kernel) > 0) & ~(cv2.erode(ch, kernel) > 0)  # the new edge, both sides
    trimap = trimap_from_alpha(crop)
    trimap[band] = UNKNOWN
    out[cy, cx] = refine_with_trimap(rgb[cy, cx], trimap, crop, band, progress, cancel)
    report(progress, 1.0)
    return out


def quick_select(rgb: np.ndarray, alpha: np.ndarray, points: Sequence[tuple[float, float]], radius: float,
                 add: bool = True, method: str = DEFAULT_METHOD, progress: ProgressFn = None,
                 cancel: CancelFn = None) -> np.ndarray:
    """One quick-selection stroke through ``points`` (x, y) applied to ``alpha``: the new matte."""
    stroke = rasterise_stroke(points, radius, alpha.shape)
    selection = grow_stroke(rgb, alpha, stroke, radius, add, method)
    check(cancel)
    return apply_selection(rgb, alpha, selection, add, progress, cancel)


def refine_band(rgb: np.ndarray, alpha: np.ndarray, band: np.ndarray, progress: ProgressFn = None,
                cancel: CancelFn = None) -> np.ndarray:
    """The refine-edge brush: closed-form matting on the painted ``band`` (bool HxW), seeded by
    and joined to the current matte."""
    from .refine import refine_with_strokes

    return refine_with_strokes(rgb, alpha, unknown=band, progress=progress, cancel=cancel)


def band_window(band: np.ndarray) -> tuple[slice, slice] | None:
    """The band's bounding box plus ``MARGIN`` (what ``refine_band_preview`` may change), clipped."""
    box = bounding_box(band)
    if box is None:
        return None
    y0, y1, x0, x1 = box
    h, w = band.shape
    return (slice(max(0, y0 - MARGIN), min(h, y1 + MARGIN + 1)), slice(max(0, x0 - MARGIN), min(w, x1 + MARGIN + 1)))


def refine_band_preview(rgb: np.ndarray, alpha: np.ndarray, band: np.ndarray, side: int = PREVIEW_SIDE,
                        cancel: CancelFn = None) -> np.ndarray:
    """``refine_band`` on the band's crop (plus ``MARGIN``) reduced to at most ``side`` px, enlarged
    back into a copy of ``alpha``: a quick, coarser look at the result while painting."""
    out = np.array(alpha, np.float32, copy=True)
    win = band_window(band)
    if win is None:
        return out
    ch, cw = band[win].shape
    size = long_side_size(cw, ch, side, minimum=2)
    small = refine_band(cv2.resize(unit(rgb[win]).astype(np.float32), size, interpolation=cv2.INTER_AREA),
                        cv2.resize(out[win], size, interpolation=cv2.INTER_AREA),
                        cv2.resize(band[win].astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0, cancel=cancel)
    solved = band[win]
    out[win][solved] = cv2.resize(small, (cw, ch), interpolation=cv2.INTER_LINEAR)[solved]
    return out
