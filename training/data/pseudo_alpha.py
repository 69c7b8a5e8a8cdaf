"""Training alphas from trimaps and masks (the pets' hand-drawn trimaps, the horses' masks, the
photos' trimaps): closed-form matting (Levin et al. 2008, pymatting ``estimate_alpha_cf``) solves
the unknown band, and a review rule drops pairs whose pseudo-alpha is implausible."""
from __future__ import annotations

import cv2
import numpy as np

from matting.trimap import UNKNOWN, normalize_trimap


def trimap_from_mask(mask: np.ndarray, band_fraction: float = 0.01, min_band: int = 3) -> np.ndarray:
    """A trimap from a binary mask: an unknown band of about ``band_fraction`` of the long side
    (at least ``min_band`` px) on each side of the edge. The horses' masks are upsampled from low
    resolution, so their edges are only trusted as a band."""
    band = max(min_band, int(round(band_fraction * max(mask.shape))))
    fg = mask > 127
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    sure_fg = cv2.erode(fg.astype(np.uint8), kernel) > 0
    maybe = cv2.dilate(fg.astype(np.uint8), kernel) > 0
    trimap = np.zeros(mask.shape, np.uint8)
    trimap[maybe] = UNKNOWN
    trimap[sure_fg] = 255
    return trimap


def trimap_from_labels(label: np.ndarray) -> np.ndarray:
    """A label image as trimap: Oxford-IIIT's raw labels (1 foreground, 2 background, 3 boundary)
    mapped to 255 / 0 / 128, any other trimap image read by ``matting.trimap.normalize_trimap``."""
    if set(np.unique(label).tolist()) <= {1, 2, 3}:
        out = np.zeros(label.shape, np.uint8)
        out[label == 1] = 255
        out[label == 3] = UNKNOWN
        return out
    return normalize_trimap(label)


def closed_form_alpha(rgb: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """Closed-form matting of ``rgb`` (uint8) on ``trimap`` ({0, 128, 255}); float32 alpha."""
    from pymatting import estimate_alpha_cf

    alpha = estimate_alpha_cf(rgb.astype(np.float64) / 255.0, trimap.astype(np.float64) / 255.0)
    return np.clip(alpha, 0.0, 1.0).astype(np.float32)


def review(alpha: np.ndarray, trimap: np.ndarray | None = None,
           min_mean: float = 0.03) -> tuple[str | None, dict[str, float]]:
    """Return (reason to drop or None, stats).

    Drop rule: the subject covers less than ``min_mean`` (3 % by default; precise masks of small
    subjects, such as DAVIS frames, pass a lower one: small subjects are wanted) or more than
    97 % of the frame; or, with a
    trimap, more than 2 % of its definite pixels are contradicted (alpha on the wrong side of 0.5);
    or the unknown band is "mushy": over 60 % of it sits between 0.2 and 0.8, which is what the
    solver gives where foreground and background colours are alike.
    """
    stats = {"mean": float(alpha.mean())}
    if not min_mean <= stats["mean"] <= 0.97:
        return f"alpha mean {stats['mean']:.3f} outside [{min_mean:g}, 0.97]", stats
    if trimap is not None:
        fg, bg, unk = trimap == 255, trimap == 0, trimap == UNKNOWN
        definite = max(1, int(fg.sum() + bg.sum()))
        contradicted = float(((alpha < 0.5) & fg).sum() + ((alpha > 0.5) & bg).sum()) / definite
        stats["contradicted"] = contradicted
        if contradicted > 0.02:
            return f"{contradicted:.1%} of definite trimap pixels contradicted", stats
        if unk.any():
            mushy = float(((alpha > 0.2) & (alpha < 0.8) & unk).sum()) / float(unk.sum())
            stats["mushy"] = mushy
            if mushy > 0.6:
                return f"{mushy:.0%} of the unknown band is mid-grey (solver could not separate colours)", stats
    return None, stats
