"""Degradations of real photos, applied to a training image after it is composited and cropped
(the alpha is left alone): what designers' photos have and our clean composites lack.

Each degradation is drawn with its own probability from ``DegradeConfig``, in the order a camera
and the web apply them: exposure and white balance (the scene), a random resize down and back up
(a small or upscaled photo: detail lost), blur (focus, motion is not modelled), sensor noise,
JPEG compression (last, as a saved file). Strengths are ranges drawn uniformly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np

from matting.config_section import ConfigSection


@dataclass
class DegradeConfig(ConfigSection):
    """Probabilities and ranges of each degradation (``data.degrade`` in a training config);
    all probabilities 0 (the default) leaves images untouched and draws nothing."""

    p_exposure: float = 0.0
    exposure: tuple[float, float] = (0.6, 1.5)  # gain on linear-ish values
    gamma: tuple[float, float] = (0.8, 1.25)
    p_white_balance: float = 0.0
    white_balance: float = 0.12  # each channel's gain within 1 +- this
    p_resize: float = 0.0
    resize: tuple[float, float] = (0.35, 0.9)  # scale of the round trip
    p_blur: float = 0.0
    blur_sigma: tuple[float, float] = (0.4, 1.6)
    p_noise: float = 0.0
    noise_sigma: tuple[float, float] = (1.0, 8.0)  # in 8-bit levels
    p_jpeg: float = 0.0
    jpeg_quality: tuple[int, int] = (30, 95)
    section: ClassVar[str] = "degrade"

    def __post_init__(self) -> None:
        for name in ("exposure", "gamma", "resize", "blur_sigma", "noise_sigma", "jpeg_quality"):
            setattr(self, name, tuple(getattr(self, name)))

    @property
    def active(self) -> bool:
        return any(getattr(self, f) > 0 for f in ("p_exposure", "p_white_balance", "p_resize", "p_blur",
                                                   "p_noise", "p_jpeg"))


def exposure(image: np.ndarray, gain: float, gamma: float) -> np.ndarray:
    """Brighter or darker photo: ``255 * clip(gain * x) ** gamma`` with x in [0, 1]."""
    x = np.clip(image.astype(np.float32) * (gain / 255.0), 0.0, 1.0)
    return np.round(255.0 * x**gamma).astype(np.uint8)


def white_balance(image: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """A colour cast: each RGB channel scaled by its own gain."""
    return np.clip(np.round(image.astype(np.float32) * gains.astype(np.float32)), 0, 255).astype(np.uint8)


def resize_round_trip(image: np.ndarray, scale: float) -> np.ndarray:
    """Down to ``scale`` (area) and back up (bilinear): the detail a small photo never had."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur (a soft focus)."""
    return cv2.GaussianBlur(image, (0, 0), sigma)


def noise(image: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Additive Gaussian sensor noise of ``sigma`` 8-bit levels, per pixel and channel."""
    noisy = image.astype(np.float32) + rng.normal(0.0, sigma, image.shape).astype(np.float32)
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8)


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Encode and decode as JPEG at ``quality`` (block artefacts, ringing at edges)."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def degrade(image: np.ndarray, cfg: DegradeConfig, rng: np.random.Generator) -> np.ndarray:
    """``image`` (RGB uint8) with each degradation applied with its probability, in camera order."""
    if not cfg.active:
        return image
    if rng.random() < cfg.p_exposure:
        image = exposure(image, rng.uniform(*cfg.exposure), rng.uniform(*cfg.gamma))
    if rng.random() < cfg.p_white_balance:
        image = white_balance(image, 1.0 + rng.uniform(-cfg.white_balance, cfg.white_balance, 3))
    if rng.random() < cfg.p_resize:
        image = resize_round_trip(image, rng.uniform(*cfg.resize))
    if rng.random() < cfg.p_blur:
        image = blur(image, rng.uniform(*cfg.blur_sigma))
    if rng.random() < cfg.p_noise:
        image = noise(image, rng.uniform(*cfg.noise_sigma), rng)
    if rng.random() < cfg.p_jpeg:
        image = jpeg(image, int(rng.integers(cfg.jpeg_quality[0], cfg.jpeg_quality[1] + 1)))
    return image
