"""Refinement of the network's matte with a trimap, brush strokes, or automatically.

Public API:
  ``trimap_from_alpha(alpha, lo=0.05, hi=0.95) -> uint8`` (0 / 128 / 255).
  ``trimap_from_strokes(seed_alpha, fg=None, bg=None, unknown=None) -> uint8``: the network's
      matte decides where nothing is painted; painted foreground, background and unknown
      override it.
  ``refine_with_trimap(rgb, trimap, seed_alpha=None, region=None) -> float32 alpha``: closed-form
      matting (Levin et al. 2008, pymatting ``estimate_alpha_cf``) solves the unknown (128) pixels
      inside a window around them (or ``region``: a mask of where the user painted, grown by a
      margin); the definite pixels and everything outside the window keep the seed alpha.
      "Seeded by the network": the network's alpha supplies the known pixels around the band and
      the result everywhere the user did not ask for a change. Windows above ``SOLVE_MAX_PIXELS``
      are solved at reduced size and upsampled.
  ``auto_trimap(alpha, band_px)`` and ``refine_auto(rgb, alpha, band_px)``: a narrow unknown band
      derived from the network's own soft edge. See bench/refine_auto.py for whether it helps.
"""
from __future__ import annotations

import cv2
import numpy as np

from .compose import unit
from .progress import CancelFn, ProgressFn, check, report

UNKNOWN = 128
SOLVE_MAX_PIXELS = 600_000
MARGIN = 24


def trimap_from_alpha(alpha: np.ndarray, lo: float = 0.05, hi: float = 0.95) -> np.ndarray:
    trimap = np.full(alpha.shape, UNKNOWN, np.uint8)
    trimap[alpha <= lo] = 0
    trimap[alpha >= hi] = 255
    return trimap


def trimap_from_strokes(seed_alpha: np.ndarray, fg: np.ndarray | None = None, bg: np.ndarray | None = None,
                        unknown: np.ndarray | None = None) -> np.ndarray:
    trimap = trimap_from_alpha(seed_alpha)
    for mask, value in ((unknown, UNKNOWN), (bg, 0), (fg, 255)):
        if mask is not None:
            trimap[mask.astype(bool)] = value
    return trimap


def auto_trimap(alpha: np.ndarray, band_px: int = 6) -> np.ndarray:
    """Unknown = the network's soft pixels grown by ``band_px`` on each side."""
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


def _solve(rgb: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """Closed-form alpha of a window, at reduced size when it is large."""
    from pymatting import estimate_alpha_cf

    h, w = trimap.shape
    if not (trimap == 255).any() or not (trimap == 0).any():
        # Closed-form needs both kinds of known pixels: grow the window's view of them instead.
        return np.where(trimap == 255, 1.0, np.where(trimap == 0, 0.0, 0.5)).astype(np.float32)
    s = min(1.0, (SOLVE_MAX_PIXELS / (h * w)) ** 0.5)
    if s < 1.0:
        size = (max(8, round(w * s)), max(8, round(h * s)))
        small = estimate_alpha_cf(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA).astype(np.float64),
                                  cv2.resize(trimap, size, interpolation=cv2.INTER_NEAREST).astype(np.float64) / 255.0)
        return cv2.resize(small.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    return estimate_alpha_cf(rgb.astype(np.float64), trimap.astype(np.float64) / 255.0).astype(np.float32)


def refine_with_trimap(rgb: np.ndarray, trimap: np.ndarray, seed_alpha: np.ndarray | None = None,
                       region: np.ndarray | None = None, progress: ProgressFn = None, cancel: CancelFn = None) -> np.ndarray:
    """Solve the trimap's unknown pixels (inside ``region``'s window when given); see module doc."""
    report(progress, 0.0)
    base = seed_alpha.astype(np.float32).copy() if seed_alpha is not None else np.where(trimap == 255, 1.0, 0.0).astype(np.float32)
    unknown = trimap == UNKNOWN
    target = unknown if region is None else region.astype(bool)
    win = _window(target, MARGIN)
    out = base
    out[trimap == 255] = 1.0
    out[trimap == 0] = 0.0
    if win is None:
        report(progress, 1.0)
        return out
    if region is not None:
        win_mask = np.zeros(trimap.shape, bool)
        win_mask[win] = True
        unknown = unknown & win_mask
    check(cancel)
    solved = _solve(unit(rgb[win]), trimap[win])
    check(cancel)
    sub = out[win]
    sub[unknown[win]] = np.clip(solved, 0, 1)[unknown[win]]
    report(progress, 1.0)
    return out


def refine_auto(rgb: np.ndarray, alpha: np.ndarray, band_px: int = 6) -> np.ndarray:
    """Closed-form on a narrow band around the network's own soft edge."""
    return refine_with_trimap(rgb, auto_trimap(alpha, band_px), seed_alpha=alpha)
