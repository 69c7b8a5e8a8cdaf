"""Augmentation (paper Sec. 4.1, plus what a small CPU data set needs to generalise).

Paper: random square crop of 512, 640 or 800 px resized to 512, random horizontal flip. Our
images are 400-800 px, so crop sizes and output size are config fields (the CPU config uses
crops of 320/400/480 -> 320). A crop is centred on a pixel of the unknown region (0 < alpha < 1)
with probability ``p_center_unknown`` (0.5 by default), else placed uniformly. With probability
``p_whole`` the crop is instead the largest square the image holds: the network is run on the
whole photo at inference, so it must also see whole subjects in training, not only parts of
them (crops of 320-480 px never hold the whole of an 800 px portrait). For generalising
beyond animals and people: hue/saturation/brightness jitter of the foreground and scale jitter.

``head_crop``: our people are full-body photos (faces an eighth of the frame high), unlike a
head-and-shoulders portrait (the astronaut). A head crop is a square around the top of the
subject, a third to three fifths of its height, so faces fill the frame as they do in portraits.
(On their own, 400 steps of them did not bring the astronaut's face back; the whole-image colour
jitter of ``dataset.py`` did, with them.)
"""
from __future__ import annotations

import cv2
import numpy as np


def jitter_colour(fg: np.ndarray, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """Random hue shift, saturation and brightness scale of an RGB uint8 foreground."""
    hsv = cv2.cvtColor(fg, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-1, 1) * 90 * strength) % 180
    hsv[..., 1] *= 1 + rng.uniform(-0.5, 0.5) * strength
    hsv[..., 2] *= 1 + rng.uniform(-0.3, 0.3) * strength
    return cv2.cvtColor(np.clip(hsv, 0, [179, 255, 255]).astype(np.uint8), cv2.COLOR_HSV2RGB)


def rescale(arrays: list[np.ndarray], factor: float) -> list[np.ndarray]:
    """Resize every array by ``factor`` (area when shrinking, linear when growing)."""
    if abs(factor - 1) < 1e-3:
        return arrays
    h, w = arrays[0].shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return [cv2.resize(a, size, interpolation=interp) for a in arrays]


def crop_window(alpha: np.ndarray, side: int, rng: np.random.Generator, p_center_unknown: float) -> tuple[int, int]:
    """Top-left (y, x) of a ``side`` square inside ``alpha`` (side <= both dims)."""
    h, w = alpha.shape
    if rng.random() < p_center_unknown:
        ys, xs = np.nonzero((alpha > 0) & (alpha < 255))
        if len(ys):
            i = int(rng.integers(len(ys)))
            y = int(np.clip(ys[i] - side // 2, 0, h - side))
            x = int(np.clip(xs[i] - side // 2, 0, w - side))
            return y, x
    return int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))


def head_crop(image: np.ndarray, alpha: np.ndarray, rng: np.random.Generator,
              share: tuple[float, float] = (0.33, 0.6)) -> tuple[np.ndarray, np.ndarray]:
    """A head-and-shoulders square: side ``share`` of the subject's height (alpha > 0.5), its top a
    little above the subject's, centred on the subject's top fifth; unchanged when there is no
    subject or the image is too small."""
    rows = np.nonzero((alpha > 127).any(axis=1))[0]
    h, w = alpha.shape
    if len(rows) == 0:
        return image, alpha
    top, height = int(rows[0]), int(rows[-1] - rows[0] + 1)
    side = min(h, w, int(height * rng.uniform(*share)))
    if side < 32:
        return image, alpha
    xs = np.nonzero(alpha[top : top + max(1, height // 5)] > 127)[1]
    cx = int(xs.mean()) if len(xs) else w // 2
    y = int(np.clip(top - side * rng.uniform(0.05, 0.2), 0, h - side))
    x = int(np.clip(cx - side // 2 + side * rng.uniform(-0.15, 0.15), 0, w - side))
    return image[y : y + side, x : x + side], alpha[y : y + side, x : x + side]


def random_crop_resize(image: np.ndarray, alpha: np.ndarray, crop_sizes: tuple[int, ...], out_size: int,
                       rng: np.random.Generator, p_center_unknown: float = 0.5, flip: bool = True,
                       p_whole: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Crop a square of a random size from ``crop_sizes`` (shrunk to fit; with probability
    ``p_whole`` the largest square), resize to ``out_size``, flip horizontally with probability 0.5."""
    h, w = alpha.shape
    whole = p_whole > 0 and rng.random() < p_whole  # no draw when off: old runs replay exactly
    side = min(h, w) if whole else min(int(rng.choice(crop_sizes)), h, w)
    y, x = crop_window(alpha, side, rng, p_center_unknown)
    image = image[y : y + side, x : x + side]
    alpha = alpha[y : y + side, x : x + side]
    if side != out_size:
        interp = cv2.INTER_AREA if side > out_size else cv2.INTER_LINEAR
        image = cv2.resize(image, (out_size, out_size), interpolation=interp)
        alpha = cv2.resize(alpha, (out_size, out_size), interpolation=interp)
    if flip and rng.random() < 0.5:
        image, alpha = image[:, ::-1], alpha[:, ::-1]
    return np.ascontiguousarray(image), np.ascontiguousarray(alpha)
