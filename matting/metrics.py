"""The four matting metrics of Rhemann et al. (CVPR 2009) as the Deep Image Matting evaluation
code computes them (MATLAB ``compute_sad_loss``, ``compute_mse_loss``, ``compute_gradient_loss``,
``compute_connectivity_error``).

* Inputs: float alphas in [0, 1], or uint8 (/255) or uint16 (/65535).
* Counted pixels: the whole image (trimap-free), or a trimap's unknown region (value 128), in
  which case the prediction is first forced to 0 / 1 where the trimap says background / foreground.
* SAD, Gradient and Connectivity are reported /1000, as in the papers' tables; MSE is the mean
  over the counted pixels.
* Gradient: each map is first normalised by its own min and max (``mat2gray``), then Gaussian
  derivative filters with sigma 1.4 (``gaussgradient``: half-size from epsilon 1e-2, kernel
  normalised to unit L2 norm, 'replicate' borders, convolution).
* Connectivity: single precision, thresholds 0:0.1:1, the largest 4-connected component of
  (pred >= t) & (gt >= t) among foreground pixels (never the background label 0), phi = 1 - d
  where d = alpha - l >= 0.15.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from .trimap import UNKNOWN



def to_unit(alpha: np.ndarray) -> np.ndarray:
    """An alpha as float64 in [0, 1] (uint8 /255, uint16 /65535, floats as they are)."""
    a = np.asarray(alpha)
    if a.dtype == np.uint8:
        return a.astype(np.float64) / 255.0
    if a.dtype == np.uint16:
        return a.astype(np.float64) / 65535.0
    return a.astype(np.float64)


def _prepare(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pred, gt, counted-pixels mask), with pred forced where the trimap is definite."""
    p, g = to_unit(pred), to_unit(gt)
    if p.shape != g.shape:
        raise ValueError(f"prediction {p.shape} and ground truth {g.shape} differ in size")
    if trimap is None:
        return p, g, np.ones(p.shape, bool)
    t = np.asarray(trimap)
    if t.shape != g.shape:
        raise ValueError(f"trimap {t.shape} and ground truth {g.shape} differ in size")
    p = p.copy()
    p[t == 255] = 1.0
    p[t == 0] = 0.0
    return p, g, t == UNKNOWN


def sad(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray | None = None) -> float:
    """Sum of absolute differences over the counted pixels, /1000."""
    p, g, m = _prepare(pred, gt, trimap)
    return float(np.abs(p - g)[m].sum() / 1000.0)


def mse(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray | None = None) -> float:
    """Mean squared error over the counted pixels."""
    p, g, m = _prepare(pred, gt, trimap)
    n = int(m.sum())
    return float(((p - g) ** 2)[m].sum() / n) if n else 0.0


def _mat2gray(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    return np.zeros_like(x) if hi == lo else (x - lo) / (hi - lo)


def gauss_derivative_kernel(sigma: float = 1.4, epsilon: float = 1e-2) -> np.ndarray:
    """MATLAB gaussgradient's hx: gauss(row offset) * dgauss(column offset), unit L2 norm."""
    half = math.ceil(sigma * math.sqrt(-2 * math.log(math.sqrt(2 * math.pi) * sigma * epsilon)))
    u = np.arange(-half, half + 1, dtype=np.float64)
    gauss = np.exp(-(u**2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
    dgauss = -u * gauss / sigma**2
    hx = np.outer(gauss, dgauss)
    return hx / math.sqrt(float((hx * hx).sum()))


def _gradient_magnitude(x: np.ndarray, sigma: float) -> np.ndarray:
    hx = gauss_derivative_kernel(sigma)
    gx = ndimage.convolve(x, hx, mode="nearest")  # imfilter(..., 'replicate', 'conv')
    gy = ndimage.convolve(x, hx.T, mode="nearest")
    return np.sqrt(gx**2 + gy**2)


def gradient_error(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray | None = None, sigma: float = 1.4) -> float:
    """Sum over counted pixels of (|grad pred| - |grad gt|)^2 after mat2gray, /1000."""
    p, g, m = _prepare(pred, gt, trimap)
    err = (_gradient_magnitude(_mat2gray(p), sigma) - _gradient_magnitude(_mat2gray(g), sigma)) ** 2
    return float(err[m].sum() / 1000.0)


def _largest_component(mask: np.ndarray) -> np.ndarray:
    """The largest 4-connected foreground component of ``mask`` (empty if there is none)."""
    labels, n = ndimage.label(mask)  # default structure: 4-connectivity
    if n == 0:
        return np.zeros(mask.shape, bool)
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0  # label 0 is the background: never the answer
    return labels == int(sizes.argmax())


def connectivity_error(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray | None = None,
                       step: float = 0.1, threshold: float = 0.15) -> float:
    """Connectivity error, /1000, in single precision as the MATLAB code."""
    p, g, m = _prepare(pred, gt, trimap)
    p, g = p.astype(np.float32), g.astype(np.float32)
    steps = np.arange(0, 1 + step / 2, step, dtype=np.float64).astype(np.float32)
    l_map = np.full(p.shape, -1.0, np.float32)
    for i in range(1, len(steps)):
        omega = _largest_component((p >= steps[i]) & (g >= steps[i]))
        flag = (l_map == -1) & ~omega
        l_map[flag] = steps[i - 1]
    l_map[l_map == -1] = 1.0
    p_d, g_d = p - l_map, g - l_map
    p_phi = 1 - p_d * (p_d >= threshold).astype(np.float32)
    g_phi = 1 - g_d * (g_d >= threshold).astype(np.float32)
    return float(np.abs(p_phi - g_phi)[m].sum(dtype=np.float64) / 1000.0)


def evaluate_all(pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray | None = None) -> dict[str, float]:
    """All four: ``{"sad", "mse", "grad", "conn"}``."""
    return {
        "sad": sad(pred, gt, trimap),
        "mse": mse(pred, gt, trimap),
        "grad": gradient_error(pred, gt, trimap),
        "conn": connectivity_error(pred, gt, trimap),
    }
