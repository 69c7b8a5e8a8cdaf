"""Edge controls (matting/edge_controls.py) on real photos through the shipped network: each
control does what its name says, only where it should, and the preview on a reduced copy looks
like the full-resolution result that export writes."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from matting.edge_controls import (EdgeSettings, apply_edge_settings, contrast_edge, decontaminate, edge_band,
                                   feather_edge, resolve_band, shift_edge, smooth_edge)
from matting.engine import MattingEngine
from matting.compose import estimate_foreground, unit
from matting.imageio import load_image
from matting.refine import refine_with_trimap
from matting.resources import sample_path


@pytest.fixture(scope="module")
def astronaut(shipped_model_path):
    """(rgb, the shipped model's matte) of resources/samples/astronaut.jpg."""
    rgb = load_image(sample_path("astronaut.jpg")).rgb
    return rgb, MattingEngine(shipped_model_path, device="cpu").predict(rgb)


def _soft(a: np.ndarray) -> np.ndarray:
    return (a > 0.02) & (a < 0.98)


def _steepness(a: np.ndarray) -> float:
    """Mean squared gradient of a matte: high for hard edges."""
    gy, gx = np.gradient(a.astype(np.float64))
    return float((gx ** 2 + gy ** 2).mean())


def test_feather_softens_the_edge_and_keeps_the_subject(astronaut) -> None:
    _rgb, alpha = astronaut
    out = feather_edge(alpha, 4.0)
    assert _steepness(out) < 0.5 * _steepness(alpha)  # a gentler transition
    assert _soft(out).sum() > _soft(alpha).sum()
    assert abs(out.mean() - alpha.mean()) < 0.005  # a blur moves no mass
    assert feather_edge(alpha, 0) is alpha


def test_contrast_hardens_soft_edges(astronaut) -> None:
    _rgb, alpha = astronaut
    half = contrast_edge(alpha, 0.5)
    full = contrast_edge(alpha, 1.0)
    assert _soft(full).sum() < _soft(half).sum() < _soft(alpha).sum()
    assert np.array_equal(alpha >= 0.5, full >= 0.5)  # the contour does not move


def test_shift_moves_the_edge_by_the_asked_pixels(astronaut) -> None:
    _rgb, alpha = astronaut
    inside = (alpha >= 0.5).astype(np.uint8)
    perimeter = sum(cv2.arcLength(c, True) for c in cv2.findContours(inside, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)[0])
    grown = (shift_edge(alpha, 4) >= 0.5).sum() - inside.sum()
    shrunk = inside.sum() - (shift_edge(alpha, -4) >= 0.5).sum()
    # about 4 px times the contour's length each way (the contour is ragged: between 2 and 6 px)
    assert 2 * perimeter < grown < 6 * perimeter
    assert 2 * perimeter < shrunk < 6 * perimeter
    half = (shift_edge(alpha, 0.5) >= 0.5).sum() - inside.sum()
    assert 0 < half < grown


def _jagged_disc(side: int = 400) -> np.ndarray:
    yy, xx = np.mgrid[:side, :side]
    angle = np.arctan2(yy - side / 2, xx - side / 2)
    radius = side * 0.3 + 4 * np.sign(np.sin(40 * angle))  # a square-wave (serrated) contour
    return (np.hypot(yy - side / 2, xx - side / 2) < radius).astype(np.float32)


def _perimeter(a: np.ndarray) -> float:
    contours = cv2.findContours((a >= 0.5).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)[0]
    return sum(cv2.arcLength(c, True) for c in contours)


def test_smooth_rounds_a_jagged_contour_but_keeps_hair(astronaut) -> None:
    disc = _jagged_disc()
    smoothed = smooth_edge(disc, 6)
    assert _perimeter(smoothed) < 0.75 * _perimeter(disc)
    assert abs((smoothed >= 0.5).mean() - disc.mean()) < 0.01  # same area, rounder outline
    assert _soft(smoothed).sum() < 0.1 * disc.size  # still a crisp edge
    # soft detail (the astronaut's hair and the matte's soft rim) changes far less than hard contours do
    _rgb, alpha = astronaut
    out = smooth_edge(alpha, 6)
    soft = _soft(alpha)
    wide_soft = cv2.GaussianBlur(soft.astype(np.float32), (0, 0), 12) > 0.25
    assert np.abs(out - alpha)[wide_soft].mean() < 0.5 * np.abs(smoothed - disc)[_soft(cv2.GaussianBlur(disc, (0, 0), 3))].mean()


def test_resolve_band_re_solves_only_the_band_with_the_engines_solver(astronaut) -> None:
    rgb, alpha = astronaut
    small_rgb = cv2.resize(rgb, (128, 128), interpolation=cv2.INTER_AREA)
    small = cv2.resize(alpha, (128, 128), interpolation=cv2.INTER_AREA)
    band = edge_band(small, 3)
    out = resolve_band(small_rgb, small, 3)
    assert np.abs(out - small)[band].max() > 0.05  # the band was solved
    outside = ~band
    assert np.array_equal(out[outside], np.where(small[outside] >= 0.5, 1.0, 0.0))  # the rest: as the trimap says
    trimap = np.where(small >= 0.5, 255, 0).astype(np.uint8)
    trimap[band] = 128
    assert np.allclose(out, refine_with_trimap(small_rgb, trimap, small))
    assert resolve_band(small_rgb, small, 0) is small


def test_resolve_band_recovers_a_known_soft_edge(disc_photo) -> None:
    rgb, truth = disc_photo(160, np.random.default_rng(3))
    truth = truth / 255.0
    rough = (truth >= 0.5).astype(np.float32)  # the soft edge lost: a binary matte
    solved = resolve_band(rgb, rough, 5)
    assert np.abs(solved - truth).sum() < 0.1 * np.abs(rough - truth).sum()


def test_decontaminate_blends_photo_and_foreground_colours(astronaut) -> None:
    rgb, alpha = astronaut
    rgb, alpha = rgb[:128, :128], alpha[:128, :128]
    fg = estimate_foreground(rgb, alpha)
    assert decontaminate(rgb, fg, 1.0) is fg
    assert np.array_equal(decontaminate(rgb, fg, 0.0), unit(rgb))
    assert np.allclose(decontaminate(rgb, fg, 0.25), 0.75 * unit(rgb) + 0.25 * fg, atol=1e-6)


def test_the_preview_on_a_reduced_copy_matches_full_resolution(astronaut) -> None:
    """The app previews on its display proxy with ``settings.scaled(scale)``: reducing the
    full-resolution result gives nearly the same matte (radius excluded: the solver's answer
    depends on the resolution)."""
    rgb, alpha = astronaut
    settings = EdgeSettings(smooth=4, feather=2, contrast=0.3, shift=-2)
    full = apply_edge_settings(rgb, alpha, settings)
    scale = 0.25
    size = (round(alpha.shape[1] * scale), round(alpha.shape[0] * scale))
    proxy = apply_edge_settings(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA),
                                cv2.resize(alpha, size, interpolation=cv2.INTER_AREA), settings.scaled(scale))
    reduced = cv2.resize(full, size, interpolation=cv2.INTER_AREA)
    assert np.abs(proxy - reduced).mean() < 0.01
    assert np.abs(proxy - reduced).mean() < 0.25 * np.abs(cv2.resize(alpha, size, interpolation=cv2.INTER_AREA) - reduced).mean()


def test_settings_round_trip_and_refuse_bad_values() -> None:
    s = EdgeSettings(radius=8, smooth=2, feather=1.5, contrast=0.3, shift=-1, decontaminate=0.5)
    assert EdgeSettings.from_metadata(s.metadata()) == s
    assert EdgeSettings.parse("radius=8,smooth=2,feather=1.5,contrast=0.3,shift=-1,decontaminate=0.5") == s
    assert EdgeSettings().is_default and not EdgeSettings().changes_alpha
    for bad in ("radius=-1", "contrast=2", "blur=3", "feather=soft"):
        with pytest.raises(ValueError):
            EdgeSettings.parse(bad)
