"""Global edge controls (Photoshop's Select and Mask "Edge detection", "Global refinements" and
"Decontaminate colors"), engine-side: NumPy / OpenCV only, the same code for the app's preview
(on its display proxy), its export, the batch and the CLI.

Public API:
  ``EdgeSettings(radius, smooth, feather, contrast, shift, decontaminate)``: lengths in pixels of
      the full-resolution photo (``scaled(s)`` gives the settings for a copy reduced by ``s``),
      contrast and decontaminate as fractions 0..1, shift in pixels (+ grows the subject,
      - shrinks it). ``EdgeSettings()`` changes nothing but decontaminates fully (the cutouts'
      behaviour before these controls existed). ``metadata()`` / ``from_metadata`` for output
      files, ``parse(text)`` for the command line (``radius=8,feather=1.5``).
  ``edge_band(alpha, radius) -> bool``: the pixels within ``radius`` of the matte's edge (what
      ``resolve_band`` re-solves; the app outlines it).
  ``resolve_band(rgb, alpha, radius, max_unknown=MAX_UNKNOWN)``: closed-form matting inside that
      band (the engine's ``matting.refine.refine_with_trimap``; no second solver); with
      ``max_unknown=SKETCH_UNKNOWN`` solved reduced, for a preview's first look.
  ``smooth_edge``, ``feather_edge``, ``contrast_edge``, ``shift_edge``: one operation each on a
      float32 alpha.
  ``decontaminate(rgb, fg, amount)``: the colours to write: the photo's own blended towards the
      estimated foreground colours (``matting.compose.estimate_foreground``).
  ``apply_edge_settings(rgb, alpha, settings, solved=None) -> alpha``: all of the alpha
      operations in Photoshop's order: re-solve the band, smooth, feather, contrast, shift.
      ``solved`` is a cached ``resolve_band`` result (only the radius needs the solver; the
      other controls run in milliseconds on it).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import cv2
import numpy as np

from .compose import unit
from .progress import CancelFn, ProgressFn
from .refine import MAX_UNKNOWN, UNKNOWN, refine_with_trimap

SOFT_LO, SOFT_HI = 0.02, 0.98  # alpha strictly between these is "soft" (part of the edge)
CONTRAST_MAX_GAIN = 50.0  # contrast 1.0 multiplies the edge's slope by this: a hard edge


@dataclass(frozen=True)
class EdgeSettings:
    radius: float = 0.0  # px: band around the edge re-solved with closed-form matting
    smooth: float = 0.0  # px: scale of the jaggies removed from hard contours
    feather: float = 0.0  # px: Gaussian sigma of the blur
    contrast: float = 0.0  # 0..1: steepens soft edges (1: hard)
    shift: float = 0.0  # px: + grows the subject, - shrinks it
    decontaminate: float = 1.0  # 0..1: edge colours from the estimated foreground (1) or the photo (0)

    def __post_init__(self) -> None:
        for name in ("radius", "smooth", "feather"):
            if not 0 <= getattr(self, name) <= 500:
                raise ValueError(f"edge {name} must be within 0..500 px, got {getattr(self, name)}")
        for name in ("contrast", "decontaminate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"edge {name} must be within 0..1, got {getattr(self, name)}")
        if not -500 <= self.shift <= 500:
            raise ValueError(f"edge shift must be within -500..500 px, got {self.shift}")

    @property
    def changes_alpha(self) -> bool:
        return any((self.radius, self.smooth, self.feather, self.contrast, self.shift))

    @property
    def is_default(self) -> bool:
        return self == EdgeSettings()

    def scaled(self, scale: float) -> "EdgeSettings":
        """The same look on a copy of the photo reduced by ``scale`` (proxy pixels per photo pixel)."""
        return replace(self, radius=self.radius * scale, smooth=self.smooth * scale, feather=self.feather * scale,
                       shift=self.shift * scale)

    def metadata(self) -> dict[str, str]:
        """``edge_radius`` ... as output files record them."""
        return {f"edge_{k}": f"{v:g}" for k, v in asdict(self).items()}

    @classmethod
    def from_metadata(cls, meta: dict[str, str]) -> "EdgeSettings":
        return cls(**{f.name: float(meta[f"edge_{f.name}"]) for f in fields(cls) if f"edge_{f.name}" in meta})

    @classmethod
    def parse(cls, text: str) -> "EdgeSettings":
        """``radius=8,smooth=2,feather=1.5,contrast=0.3,shift=-1,decontaminate=0.5`` (any subset)."""
        names = {f.name for f in fields(cls)}
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, _, value = part.partition("=")
            key = key.strip()
            if key not in names:
                raise ValueError(f"unknown edge setting {key!r}; use {', '.join(sorted(names))}")
            try:
                values[key] = float(value)
            except ValueError:
                raise ValueError(f"edge setting {key} needs a number, got {value!r}") from None
        return cls(**values)


def _disc(radius: float) -> np.ndarray:
    r = max(1, int(round(radius)))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def edge_band(alpha: np.ndarray, radius: float) -> np.ndarray:
    """Pixels within ``radius`` of the edge: the soft pixels and the 0.5 contour of the matte,
    grown by a disc of ``radius`` (at least one pixel)."""
    soft = (alpha > SOFT_LO) & (alpha < SOFT_HI)
    solid = (alpha >= 0.5).astype(np.uint8)
    contour = cv2.morphologyEx(solid, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    edge = (soft | contour).astype(np.uint8)
    return cv2.dilate(edge, _disc(radius)) > 0


def band_trimap(alpha: np.ndarray, radius: float) -> np.ndarray:
    """0 / 128 / 255: unknown inside ``edge_band``, the matte's side of 0.5 elsewhere."""
    trimap = np.where(alpha >= 0.5, 255, 0).astype(np.uint8)
    trimap[edge_band(alpha, radius)] = UNKNOWN
    return trimap


def resolve_band(rgb: np.ndarray, alpha: np.ndarray, radius: float, progress: ProgressFn = None,
                 cancel: CancelFn = None, max_unknown: int = MAX_UNKNOWN) -> np.ndarray:
    """Closed-form matting of the pixels within ``radius`` of the edge, the rest kept (snapped to
    0 / 1 outside the band, as a trimap says). ``radius <= 0`` returns ``alpha``. Raises
    ``Cancelled``. ``max_unknown``: above this many band pixels the band is solved reduced and
    enlarged (``matting.refine.solve_closed_form``); a preview's quick look passes
    ``SKETCH_UNKNOWN``."""
    if radius <= 0:
        return alpha
    return refine_with_trimap(rgb, band_trimap(alpha, radius), alpha, None, progress, cancel, max_unknown=max_unknown)


def feather_edge(alpha: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of the matte (sigma in pixels): a softer transition everywhere."""
    if sigma <= 0:
        return alpha
    return cv2.GaussianBlur(alpha.astype(np.float32), (0, 0), sigma, borderType=cv2.BORDER_REFLECT)


def contrast_edge(alpha: np.ndarray, amount: float) -> np.ndarray:
    """Steeper soft edges around 0.5: the slope is multiplied by 1 .. ``CONTRAST_MAX_GAIN``
    (geometrically with ``amount`` 0..1), so 1 gives a practically hard edge."""
    if amount <= 0:
        return alpha
    gain = CONTRAST_MAX_GAIN ** float(amount)
    return np.clip((alpha.astype(np.float32) - 0.5) * gain + 0.5, 0.0, 1.0)


def shift_edge(alpha: np.ndarray, pixels: float) -> np.ndarray:
    """Move the whole edge outwards (``pixels`` > 0: grey-level dilation) or inwards (< 0:
    erosion) by a disc of ``|pixels|``, which keeps each soft profile's shape. Below one pixel
    the move is a blend with the one-pixel move (sub-pixel shifts on a reduced preview)."""
    if pixels == 0:
        return alpha
    a = alpha.astype(np.float32)
    op = cv2.dilate if pixels > 0 else cv2.erode
    whole = int(abs(pixels))
    frac = abs(pixels) - whole
    moved = op(a, _disc(whole)) if whole else a
    if frac > 1e-3:
        moved = (1 - frac) * moved + frac * op(a, _disc(whole + 1))
    return moved


def smooth_edge(alpha: np.ndarray, radius: float) -> np.ndarray:
    """Remove jaggies smaller than ``radius`` from hard contours and keep soft detail (hair).

    The matte is blurred (sigma ``radius``) and re-steepened by the blur's own slope factor
    (sqrt(2 pi) sigma restores a one-pixel step), which rounds the contour's small bumps and notches.
    The result is used where the neighbourhood is hard (few soft pixels within ~2 radius); where
    many pixels are soft (hair, fur, motion blur) the original is kept, since re-steepening would
    turn that detail into a hard blob."""
    if radius <= 0:
        return alpha
    a = alpha.astype(np.float32)
    blurred = cv2.GaussianBlur(a, (0, 0), radius, borderType=cv2.BORDER_REFLECT)
    gain = max(1.0, float(np.sqrt(2 * np.pi) * radius))
    rounded = np.clip((blurred - 0.5) * gain + 0.5, 0.0, 1.0)
    soft = ((a > SOFT_LO) & (a < SOFT_HI)).astype(np.float32)
    softness = cv2.GaussianBlur(soft, (0, 0), 2 * radius, borderType=cv2.BORDER_REFLECT)
    keep_shape = np.clip(1.0 - 4.0 * softness, 0.0, 1.0)  # a hard contour's 1-2 soft pixels stay below 0.25
    return a + keep_shape * (rounded - a)


def decontaminate(rgb: np.ndarray, fg: np.ndarray, amount: float) -> np.ndarray:
    """Edge colours, float32 HxWx3 in [0, 1]: the photo's own (``amount`` 0) blended towards the
    estimated foreground colours ``fg`` (1: the old background's colour removed from the edge)."""
    if amount >= 1:
        return fg
    image = unit(rgb)
    if amount <= 0:
        return image
    return image + np.float32(amount) * (fg - image)


def apply_edge_settings(rgb: np.ndarray, alpha: np.ndarray, settings: EdgeSettings,
                        solved: np.ndarray | None = None, progress: ProgressFn = None,
                        cancel: CancelFn = None) -> np.ndarray:
    """The matte with every alpha control applied, in order: re-solve the band (``solved`` if
    given), smooth, feather, contrast, shift. Returns ``alpha`` itself when nothing changes it."""
    if not settings.changes_alpha:
        return alpha
    a = solved if solved is not None else resolve_band(rgb, alpha, settings.radius, progress, cancel)
    a = smooth_edge(a, settings.smooth)
    a = feather_edge(a, settings.feather)
    a = contrast_edge(a, settings.contrast)
    a = shift_edge(a, settings.shift)
    return np.clip(a, 0.0, 1.0).astype(np.float32, copy=False)
