"""Refinement of the network's matte with a trimap, brush strokes, or automatically.

Public API:
  ``normalize_trimap``, ``trimap_from_alpha``, ``UNKNOWN``: from ``matting.trimap`` (re-exported).
  ``trimap_from_strokes(seed_alpha, fg=None, bg=None, unknown=None) -> uint8``: the network's
      matte decides where nothing is painted; painted foreground, background and unknown
      override it.
  ``refine_with_trimap(rgb, trimap, seed_alpha=None, region=None, progress=None, cancel=None,
      *, prior=PRIOR_WEIGHT) -> float32 alpha``: solve the trimap's unknown (128) pixels with
      closed-form matting; the rest keeps the seed.
  ``refine_with_strokes(rgb, seed_alpha, fg=None, bg=None, unknown=None, progress, cancel)``: the
      brushes' masks applied (the app's Apply and refine-edge brush).
  ``auto_trimap(alpha, band_px=None)`` and ``refine_auto(rgb, alpha, band_px=None)``: a narrow
      unknown band derived from the network's own soft edge (its pixels with 0.05 < alpha < 0.95,
      grown by ``default_band``: 1.25 % of the long side); the network's alpha is snapped to 0 / 1
      outside it. Offered as an option (``--refine-edges``, ``BatchOptions.refine_edges``) because
      it lowered SAD and MSE on every held-out photo of ../shared/data/pseudo_gt; figures in
      bench/refine_auto.py's docstring.

How the network's alpha seeds the solver. Closed-form matting (Levin et al. 2008, eq. 12) minimises
``a^T L a`` with the known pixels fixed; we solve it on the unknown pixels only (the known ones move
to the right-hand side, as pymatting's ``estimate_alpha_cf`` does) and use the network's alpha
``s`` three ways:
  1. as the known pixels around the band: everything outside the unknown pixels keeps ``s``
     (forced to 0 / 1 where the trimap says background / foreground);
  2. as a prior: ``(L_UU + prior * I) a_U = -L_UK a_K + prior * s_U``, i.e. the energy
     ``a^T L a + prior * |a_U - s_U|^2``. With ``prior = 0`` this is plain closed-form matting; a
     small prior keeps the solution near the network where the colour model is ambiguous and makes
     the system well posed when a window holds only one kind of known pixel;
  3. as the conjugate-gradient starting point (``x0 = s_U``), so few iterations are needed.
The solve runs on a crop: the bounding box of the unknown pixels (or of ``region``, the painted
area) plus ``MARGIN`` pixels. Above ``MAX_UNKNOWN`` unknown pixels the crop is solved at a reduced
size and upsampled, so an interactive call stays around a second (timings in
tests/test_refine.py's docstring and bench/refine_auto.py).
"""
from __future__ import annotations

import importlib

import cv2
import numpy as np

from .pixels import unit
from .progress import CancelFn, ProgressFn, check, report
from .trimap import UNKNOWN, normalize_trimap, trimap_from_alpha  # noqa: F401  (re-exported)

MAX_UNKNOWN = 250_000  # unknown pixels solved at full resolution (~1-2 s on one core)
SKETCH_UNKNOWN = 5_000  # ... for a preview's first look (~0.1 s; app/display.py)
MARGIN = 24  # context pixels around the unknown pixels' bounding box
TILE, TILE_OVERLAP = 512, 32  # crops solved one at a time, and the context each one sees
PRIOR_WEIGHT = 0.0  # weight of the network prior: no weight tried helped (bench/refine_auto.py)
AUTO_BAND = 0.0125  # automatic band half-width, fraction of the long side (bench/refine_auto.py)
EPSILON = 1e-7  # closed-form regulariser, pymatting's default
CG_MAX_ITER = 1000


def trimap_from_strokes(seed_alpha: np.ndarray, fg: np.ndarray | None = None, bg: np.ndarray | None = None,
                        unknown: np.ndarray | None = None) -> np.ndarray:
    """Brush strokes (boolean masks) over the network's matte -> trimap; foreground wins over
    background, which wins over unknown, where strokes overlap."""
    trimap = trimap_from_alpha(seed_alpha)
    for mask, value in ((unknown, UNKNOWN), (bg, 0), (fg, 255)):
        if mask is not None:
            trimap[mask.astype(bool)] = value
    return trimap


def default_band(shape: tuple[int, ...]) -> int:
    """The automatic band's half-width: ``AUTO_BAND`` of the long side (10 px at 800 px), >= 3."""
    return max(3, round(AUTO_BAND * max(shape[:2])))


def auto_trimap(alpha: np.ndarray, band_px: int | None = None) -> np.ndarray:
    """Unknown = the network's soft pixels grown by ``band_px`` (default ``default_band``) on
    each side."""
    band_px = default_band(alpha.shape) if band_px is None else band_px
    trimap = trimap_from_alpha(alpha)
    soft = (trimap == UNKNOWN).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band_px + 1, 2 * band_px + 1))
    trimap[cv2.dilate(soft, kernel) > 0] = UNKNOWN
    return trimap


def _window(mask: np.ndarray, margin: int) -> tuple[slice, slice] | None:
    ys, xs = np.nonzero(mask)
    if not len(ys):
        return None
    h, w = mask.shape
    return (slice(max(0, ys.min() - margin), min(h, ys.max() + margin + 1)),
            slice(max(0, xs.min() - margin), min(w, xs.max() + margin + 1)))


def solve_closed_form(image: np.ndarray, solve: np.ndarray, seed: np.ndarray, prior: float = PRIOR_WEIGHT,
                      cancel: CancelFn = None, max_unknown: int = MAX_UNKNOWN) -> np.ndarray:
    """Closed-form alpha of one crop: ``image`` float HxWx3 in [0, 1], ``solve`` a boolean mask
    of the pixels to solve, ``seed`` float HxW (the fixed values elsewhere, and the prior and
    starting point inside). Returns float32 HxW, equal to ``seed`` outside ``solve``. Above
    ``max_unknown`` pixels to solve the crop is solved reduced (the app's first look at an edge
    radius asks for ``SKETCH_UNKNOWN``: ~0.1 s instead of seconds)."""
    fixed = ~solve
    n = int(solve.sum())
    out = seed.astype(np.float32).copy()
    if n == 0 or (prior <= 0 and not fixed.any()):
        return out  # nothing to solve, or no fixed pixel and no prior: undetermined
    h, w = solve.shape
    if n > max_unknown:
        s = 0.95 * (max_unknown / n) ** 0.5
        size = (max(8, round(w * s)), max(8, round(h * s)))
        small_solve = cv2.resize(solve.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
        small = _solve_tiled(cv2.resize(image.astype(np.float32), size, interpolation=cv2.INTER_AREA), small_solve,
                             cv2.resize(out, size, interpolation=cv2.INTER_AREA), prior, cancel)
        up = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
        out[solve] = up[solve]
        return out
    return _solve_tiled(image, solve, out, prior, cancel)


def _solve_tiled(image: np.ndarray, solve: np.ndarray, seed: np.ndarray, prior: float, cancel: CancelFn) -> np.ndarray:
    """Tiles of ``TILE`` pixels, each solved with ``TILE_OVERLAP`` pixels of context on every side
    (pymatting's Laplacian costs ~400 bytes per pixel of the crop, so a whole 12 MP window would
    need ~5 GB). Each tile starts from, and is bounded by, the results of the tiles before it.

    A tile whose context holds fixed pixels of one kind only (say, hair whose sky gaps are all
    unknown, next to the opaque shoulder) has the constant alpha as a perfect solution: plain
    closed-form turned such a tile fully opaque, a hard-edged block in the cutout, although the
    window has background elsewhere. In a window with both kinds, such a tile's context is grown
    (doubling, up to ``MAX_CONTEXT``) until it holds both; if it never does, the tile keeps the
    seed. (A window with one kind only, e.g. a hole painted inside the foreground, gets
    closed-form's own answer.)"""
    h, w = solve.shape
    out = seed.astype(np.float32).copy()
    anchor = prior <= 0 and _has_both_kinds(out[~solve])
    for y0 in range(0, h, TILE):
        for x0 in range(0, w, TILE):
            if not solve[y0 : y0 + TILE, x0 : x0 + TILE].any():
                continue
            context = _anchored_context(solve, out, y0, x0) if anchor else _context(h, w, y0, x0, TILE_OVERLAP)
            if context is None:
                continue  # nothing tells foreground from background here: keep the seed
            ys, xs = context
            res = _solve_full(image[ys, xs], solve[ys, xs], out[ys, xs], prior, cancel)
            cy, cx = y0 - ys.start, x0 - xs.start
            out[y0 : y0 + TILE, x0 : x0 + TILE] = res[cy : cy + TILE, cx : cx + TILE]
    return out


MAX_CONTEXT = 256  # context pixels at most on each side of a tile (a 1 MP crop, ~400 MB to solve)


def _context(h: int, w: int, y0: int, x0: int, margin: int) -> tuple[slice, slice]:
    return (slice(max(0, y0 - margin), min(h, y0 + TILE + margin)),
            slice(max(0, x0 - margin), min(w, x0 + TILE + margin)))


def _has_both_kinds(fixed: np.ndarray) -> bool:
    """Fixed pixels include background (<= 0.05) and foreground (>= 0.95)."""
    return bool(fixed.size) and fixed.min() <= 0.05 and fixed.max() >= 0.95


def _anchored_context(solve: np.ndarray, values: np.ndarray, y0: int, x0: int) -> tuple[slice, slice] | None:
    """The smallest context (``TILE_OVERLAP`` doubled up to ``MAX_CONTEXT``) whose fixed pixels
    include both background (<= 0.05) and foreground (>= 0.95); None if there is none."""
    h, w = solve.shape
    margin = TILE_OVERLAP
    while True:
        ys, xs = _context(h, w, y0, x0, margin)
        if _has_both_kinds(values[ys, xs][~solve[ys, xs]]):
            return ys, xs
        whole = ys.start == 0 and xs.start == 0 and ys.stop == h and xs.stop == w
        if margin >= MAX_CONTEXT or whole:
            return None
        margin *= 2


def _solve_full(image: np.ndarray, solve: np.ndarray, seed: np.ndarray, prior: float, cancel: CancelFn) -> np.ndarray:
    from pymatting import cf_laplacian

    h, w = solve.shape
    out = seed.astype(np.float32).copy()
    fixed = ~solve
    n = int(solve.sum())
    if n == 0:
        return out
    L = cf_laplacian(image.astype(np.float64), epsilon=EPSILON, radius=1, is_known=fixed.ravel())
    u, k = solve.ravel(), fixed.ravel()
    values = np.clip(out.ravel().astype(np.float64), 0, 1)
    L_u = L[u][:, u].tocsr()
    rhs = -(L[u][:, k] @ values[k])
    seed_u = values[u]
    if prior > 0:
        from scipy.sparse import identity

        L_u = (L_u + prior * identity(n, format="csr")).tocsr()
        rhs = rhs + prior * seed_u
    check(cancel)
    x = _cg(L_u, rhs, seed_u, cancel)
    flat = out.ravel()
    flat[u] = np.clip(x, 0, 1)
    return flat.reshape(h, w)


def _silent(*_args, **_kwargs) -> None:
    """A ``print`` that prints nothing."""


def _cg(A, b: np.ndarray, x0: np.ndarray, cancel: CancelFn) -> np.ndarray:
    """Preconditioned conjugate gradients (pymatting's incomplete Cholesky, as its
    ``estimate_alpha_cf``). The matting Laplacian is badly conditioned (epsilon 1e-7): when CG
    stops at ``CG_MAX_ITER`` we keep its last iterate, which only lowers the energy from the
    seed, instead of failing the way pymatting's own ``cg`` does."""
    from pymatting import ichol, jacobi
    from scipy.sparse.linalg import LinearOperator, cg

    ichol_module = importlib.import_module("pymatting.preconditioner.ichol")  # the package's name is the function
    # ichol prints a "PERFORMANCE WARNING" to stdout for each diagonal shift it has to try (the
    # CLI's output is the user's): its module's ``print`` is silenced. Not by redirecting
    # sys.stdout, which is one for the whole process: two solves in threads at once (the app's
    # brush sketch and preview) could leave it pointing at the other's buffer for good.
    ichol_module.print = _silent
    try:
        # more fill than 4x the matrix means give up on it
        precondition = ichol(A.tocsc(), max_nnz=max(1_000_000, 4 * A.nnz))
    except ValueError:
        precondition = jacobi(A)
    M = LinearOperator(A.shape, matvec=precondition, dtype=np.float64)
    x, _info = cg(A, b, x0=x0, rtol=1e-7, atol=0.0, maxiter=CG_MAX_ITER, M=M, callback=lambda _x: check(cancel))
    return x


def refine_with_trimap(rgb: np.ndarray, trimap: np.ndarray, seed_alpha: np.ndarray | None = None,
                       region: np.ndarray | None = None, progress: ProgressFn = None, cancel: CancelFn = None,
                       *, prior: float = PRIOR_WEIGHT, max_unknown: int = MAX_UNKNOWN) -> np.ndarray:
    """Solve the trimap's unknown (128) pixels; with ``region`` (the painted area) only those
    within ``MARGIN`` pixels of it, and every pixel farther than that keeps the seed exactly
    (the trimap's 0 / 1 snap applies within that reach only), so nothing far from the strokes
    changes and the solved patch joins the untouched matte without a seam. Without
    ``seed_alpha`` this is plain closed-form matting of the trimap. Raises ``Cancelled``."""
    report(progress, 0.0)
    trimap = normalize_trimap(trimap)
    if seed_alpha is None:
        base, prior = np.where(trimap == 255, 1.0, 0.0).astype(np.float32), 0.0
    else:
        base = np.clip(seed_alpha.astype(np.float32), 0, 1)
    seed = base.copy() if region is not None else None
    base[trimap == 255] = 1.0
    base[trimap == 0] = 0.0
    solve = trimap == UNKNOWN
    near = None
    if region is not None:
        near = cv2.dilate(region.astype(np.uint8), cv2.getStructuringElement(
            cv2.MORPH_ELLIPSE, (2 * MARGIN + 1, 2 * MARGIN + 1))) > 0
        solve &= near
    win = _window(solve, MARGIN)
    if win is not None:
        check(cancel)
        report(progress, 0.1)
        base[win] = solve_closed_form(unit(rgb[win]), solve[win], base[win], prior, cancel, max_unknown)
    if near is not None:
        # the trimap's 0 / 1 snap is the solver's boundary, not an edit: beyond the strokes'
        # reach the seed stays as it was, faint pixels included (issue 29, item 4)
        base[~near] = seed[~near]
    report(progress, 1.0)
    return base


def refine_with_strokes(rgb: np.ndarray, seed_alpha: np.ndarray, fg: np.ndarray | None = None,
                        bg: np.ndarray | None = None, unknown: np.ndarray | None = None, progress: ProgressFn = None,
                        cancel: CancelFn = None) -> np.ndarray:
    """The painted brushes applied to the matte (the app's Apply, the refine-edge brush, the
    strokes bench): painted foreground / background are fixed, painted unknown and the matte's
    soft pixels near any stroke are solved (``trimap_from_strokes`` then ``refine_with_trimap``
    restricted to the painted area)."""
    masks = [m.astype(bool) for m in (fg, bg, unknown) if m is not None]
    if not masks:
        return np.clip(seed_alpha.astype(np.float32), 0, 1)
    region = np.logical_or.reduce(masks)
    trimap = trimap_from_strokes(seed_alpha, fg, bg, unknown)
    return refine_with_trimap(rgb, trimap, seed_alpha, region, progress, cancel)


def refine_auto(rgb: np.ndarray, alpha: np.ndarray, band_px: int | None = None, progress: ProgressFn = None,
                cancel: CancelFn = None, *, prior: float = PRIOR_WEIGHT) -> np.ndarray:
    """Closed-form on a narrow band around the network's own soft edge."""
    return refine_with_trimap(rgb, auto_trimap(alpha, band_px), alpha, None, progress, cancel, prior=prior)
