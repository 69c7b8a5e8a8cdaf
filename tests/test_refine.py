"""Refinement of a matte with a trimap, brush strokes, or automatically, on real and synthetic
images whose true alpha is known."""
from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from matting import refine
from matting.errors import Cancelled
from matting.refine import (auto_trimap, normalize_trimap, refine_auto, refine_with_trimap, trimap_from_alpha,
                            trimap_from_strokes)
from tests.test_compose import fine_hair

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


def blurred_seed(alpha: np.ndarray, sigma: float = 2.0) -> np.ndarray:
    """A stand-in for a network's alpha: the truth blurred, a little too opaque."""
    return np.clip(cv2.GaussianBlur(alpha, (0, 0), sigma) * 1.1, 0, 1)


def sad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).sum())


def test_closed_form_recovers_fine_hair_from_a_blurred_seed() -> None:
    rgb, truth = fine_hair(160)
    seed = blurred_seed(truth)
    trimap = auto_trimap(seed, band_px=4)
    plain = refine_with_trimap(rgb, trimap, seed, prior=0.0)
    assert sad(plain, truth) < 0.05 * sad(seed, truth), (sad(plain, truth), sad(seed, truth))
    default = refine_auto(rgb, seed, band_px=4)
    assert sad(default, truth) < 0.5 * sad(seed, truth)
    known = trimap != 128
    assert np.array_equal(plain[known], np.where(trimap == 255, 1.0, 0.0)[known])


def test_without_seed_it_is_plain_closed_form_of_the_trimap() -> None:
    rgb, truth = fine_hair(96)
    trimap = trimap_from_alpha(truth, 0.02, 0.98)
    trimap[cv2.dilate((trimap == 128).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0] = 128
    alpha = refine_with_trimap(rgb, trimap)
    assert np.abs(alpha - truth)[trimap == 128].mean() < 0.02


def test_strokes_change_alpha_only_near_them_and_join_without_a_seam(photo) -> None:
    seed = np.zeros(photo.shape[:2], np.float32)
    seed[60:240, 120:330] = 1.0
    painted = np.zeros_like(seed, bool)
    painted[55:65, 150:250] = True  # unknown stroke across the top edge of the box
    trimap = trimap_from_strokes(seed, unknown=painted)
    refined = refine_with_trimap(photo, trimap, seed, region=painted)
    changed = np.abs(refined - seed) > 1e-3
    assert changed.any()
    ys, xs = np.nonzero(changed)
    assert ys.min() >= 55 - 30 and ys.max() <= 65 + 30 and xs.min() >= 150 - 30 and xs.max() <= 250 + 30
    assert np.array_equal(refined[~painted], seed[~painted])  # only the painted unknown pixels move


def test_stroke_precedence_and_unknown_inside_foreground_becomes_foreground() -> None:
    seed = np.full((40, 40), 0.5, np.float32)
    fg = np.zeros((40, 40), bool)
    bg = np.zeros((40, 40), bool)
    unknown = np.zeros((40, 40), bool)
    fg[:, :30], bg[:, 20:], unknown[10:20, 5:15] = True, True, True
    tri = trimap_from_strokes(seed, fg, bg, unknown)
    assert tri[0, 25] == 255 and tri[0, 35] == 0 and tri[15, 10] == 255 and tri[35, 35] == 0
    rgb = np.full((40, 40, 3), 120, np.uint8)
    tri = np.full((40, 40), 255, np.uint8)
    tri[10:20, 10:20] = 128  # an unknown hole with only foreground around it
    out = refine_with_trimap(rgb, tri, seed, prior=0.0)
    assert np.allclose(out[10:20, 10:20], 1.0, atol=1e-3)  # closed-form's answer, never a flat 0.5


def test_normalize_trimap_from_16bit_and_jpeg_noise() -> None:
    t16 = np.array([[0, 32896, 65535]], np.uint16)
    assert normalize_trimap(t16).tolist() == [[0, 128, 255]]
    noisy = np.array([[3, 120, 140, 251]], np.uint8)
    assert normalize_trimap(np.dstack([noisy] * 3)).tolist() == [[0, 128, 128, 255]]


def test_auto_trimap_band() -> None:
    alpha = np.zeros((40, 40), np.float32)
    alpha[:, 20:] = 1.0
    alpha[:, 19] = 0.5
    tri = auto_trimap(alpha, band_px=3)
    assert set(np.unique(tri[0])) == {0, 128, 255}
    assert (tri[0, 16:23] == 128).all() and tri[0, 10] == 0 and tri[0, 30] == 255


def test_tiles_join_without_seams(monkeypatch) -> None:
    """A band crossing tile borders: the tiled solve departs from one big solve no more near the
    tile borders than inside the tiles (no seams), and still beats the seed by far."""
    rgb, truth = fine_hair(200)
    seed = blurred_seed(truth)
    trimap = auto_trimap(seed, band_px=4)
    whole = refine_with_trimap(rgb, trimap, seed)
    monkeypatch.setattr(refine, "TILE", 64)
    tiled = refine_with_trimap(rgb, trimap, seed)
    band = trimap == 128
    yy, xx = np.mgrid[:200, :200]
    near = (np.minimum(yy % 64, 63 - yy % 64) < 4) | (np.minimum(xx % 64, 63 - xx % 64) < 4)
    diff = np.abs(tiled - whole)
    assert diff[band & near].mean() <= 1.5 * diff[band & ~near].mean() + 1e-3
    assert diff[band].mean() < 0.05
    assert sad(tiled, truth) < 0.5 * sad(seed, truth)


def test_large_bands_are_solved_at_reduced_size(monkeypatch) -> None:
    rgb, truth = fine_hair(160)
    seed = blurred_seed(truth)
    trimap = auto_trimap(seed, band_px=4)
    monkeypatch.setattr(refine, "MAX_UNKNOWN", int((trimap == 128).sum() // 4))
    out = refine_with_trimap(rgb, trimap, seed, prior=0.0)
    assert sad(out, truth) < 0.8 * sad(seed, truth)  # half resolution blurs 1-px strands: less gain
    assert np.array_equal(out[trimap == 255], np.ones((trimap == 255).sum(), np.float32))


def test_progress_and_cancel(photo) -> None:
    seed = np.zeros(photo.shape[:2], np.float32)
    seed[60:240, 120:330] = 1.0
    seen: list[float] = []
    refine_auto(photo, cv2.GaussianBlur(seed, (0, 0), 2), progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    calls = []
    with pytest.raises(Cancelled):
        refine_auto(photo, cv2.GaussianBlur(seed, (0, 0), 2), cancel=lambda: calls.append(1) or len(calls) > 2)


def _hair_over_sky(gap: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Issue 12, bug 1: curly hair (strands with sky between them) below a sky and beside an
    opaque shoulder, far taller than a solver tile. Returns (rgb, truth, seed): the seed is the
    truth blurred, as a network's soft matte is. With ``gap`` a wide band of sky crosses the hair."""
    import cv2

    h, w = 1100, 400
    truth = np.zeros((h, w), np.float32)
    truth[300:, 200:] = 1.0  # shoulder
    strands = (np.arange(200) // 3) % 2 == 0
    truth[300:, :200] = strands[None, :]
    if gap:
        truth[560:660, :200] = 0.0
    truth = cv2.GaussianBlur(truth, (0, 0), 0.8)
    hair, sky = np.array([90, 60, 40], np.float32), np.array([150, 190, 235], np.float32)
    rgb = np.round(truth[..., None] * hair + (1 - truth[..., None]) * sky).astype(np.uint8)
    seed = cv2.GaussianBlur(truth, (0, 0), 4.0)
    return rgb, truth, seed


def test_auto_refinement_never_turns_a_tile_without_background_opaque() -> None:
    rgb, truth, seed = _hair_over_sky(gap=False)
    out = refine_auto(rgb, seed)
    low = (slice(850, 1100), slice(0, 190))  # a tile whose context holds no background pixel
    assert out[low].mean() < 0.8, out[low].mean()  # the old solver gave ~1.0 there: sky shown solid
    assert np.abs(out[low] - truth[low]).mean() <= np.abs(seed[low] - truth[low]).mean() + 1e-6


def test_auto_refinement_reaches_for_background_beyond_the_tile() -> None:
    rgb, truth, seed = _hair_over_sky(gap=True)
    out = refine_auto(rgb, seed)
    low = (slice(850, 1100), slice(0, 190))
    assert out[low].mean() < 0.8, out[low].mean()
    assert np.abs(out[low] - truth[low]).mean() < np.abs(seed[low] - truth[low]).mean()


def test_solves_in_threads_at_once_leave_stdout_alone_and_ichol_quiet(capsys) -> None:
    """pymatting's ichol prints a warning for each diagonal shift it tries; it is silenced in its
    own module, not by swapping the process's sys.stdout (two solves in threads at once left
    sys.stdout pointing at a buffer: the brush bench lost all later output)."""
    import importlib
    import threading

    from pymatting import ichol
    from scipy.sparse import csc_matrix

    rng = np.random.default_rng(0)
    rgb = (rng.random((80, 80, 3)) * 255).astype(np.uint8)
    trimap = np.full((80, 80), 128, np.uint8)
    trimap[:, :15], trimap[:, 65:] = 0, 255
    stdout = sys.stdout
    threads = [threading.Thread(target=refine_with_trimap, args=(rgb, trimap)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sys.stdout is stdout
    indefinite = csc_matrix(np.array([[1.0, 2.0], [2.0, 1.0]]))
    ichol(indefinite)  # needs shifts: would print "PERFORMANCE WARNING"
    assert "PERFORMANCE" not in capsys.readouterr().out
    assert importlib.import_module("pymatting.preconditioner.ichol").print is not print


def test_nothing_beyond_a_strokes_reach_changes_on_a_real_photo() -> None:
    """Issue 29, item 4: a stroke at the left of a real photo used to snap every faint pixel of
    the whole matte to 0 or 1 (the trimap is made for the whole image before the region limit)."""
    from matting.imageio import load_image
    from matting.quick_select import rasterise_stroke
    from matting.refine import MARGIN, refine_with_strokes

    rgb = load_image(SAMPLES / "astronaut.jpg").rgb
    h, w = rgb.shape[:2]
    gray = rgb.mean(axis=2) / 255
    seed = np.clip((gray - 0.3) * 2, 0, 1).astype(np.float32)  # soft everywhere, by brightness
    seed[:, w // 2:] = np.where(seed[:, w // 2:] < 0.5, 0.03, 0.97)  # a faint veil and near-opaque
    radius = 8
    stroke = rasterise_stroke([(60, 300), (160, 320)], radius, seed.shape)
    for masks in ({"unknown": stroke}, {"fg": stroke}, {"bg": stroke}):
        out = refine_with_strokes(rgb, seed, **masks)
        reach = cv2.dilate(stroke.astype(np.uint8), np.ones((2 * MARGIN + 3,) * 2, np.uint8)) > 0
        assert np.array_equal(out[~reach], seed[~reach]), masks.keys()
        assert not np.array_equal(out[reach], seed[reach])
