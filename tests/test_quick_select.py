"""The edge-aware brushes' engine (matting/quick_select.py): a short stroke grows to the subject's
edge and no further, removes as well as adds, leaves the rest of the matte alone, and beats a plain
painted stroke on the shipped model's matte of a real photo."""
from __future__ import annotations

import numpy as np
import pytest

from matting.metrics import sad
from matting.quick_select import (DEFAULT_METHOD, METHODS, apply_selection, grow_stroke, quick_select, rasterise_stroke,
                                  refine_band, refine_band_preview)
from matting.refine import refine_with_strokes


@pytest.fixture(scope="module")
def disc(disc_photo):
    rgb, alpha = disc_photo(240, np.random.default_rng(3))
    return rgb, alpha.astype(np.float32) / 255.0


@pytest.mark.parametrize("method", METHODS)
def test_a_short_stroke_grows_to_the_subjects_edge_and_no_further(disc, method) -> None:
    rgb, truth = disc
    empty = np.zeros_like(truth)  # the network missed the subject
    stroke = rasterise_stroke([(100, 120), (140, 120)], 6, truth.shape)
    sel = grow_stroke(rgb, empty, stroke, 6, add=True, method=method)
    grown = np.zeros(truth.shape, bool)
    grown[sel.window] = sel.mask
    inside, outside = truth >= 0.5, truth < 0.5
    assert grown.sum() > 8 * stroke.sum()  # it grew well past the painted pixels...
    assert (grown & outside).sum() / grown.sum() < 0.05  # ...and stopped at the disc's edge
    if method == DEFAULT_METHOD:
        assert (grown & inside).sum() / inside.sum() > 0.85  # over (nearly) the whole disc


def test_quick_select_matches_the_subject_better_than_the_same_painted_stroke(disc) -> None:
    rgb, truth = disc
    empty = np.zeros_like(truth)
    points = [(100, 120), (140, 120)]
    quick = quick_select(rgb, empty, points, 6, add=True)
    painted = refine_with_strokes(rgb, empty, fg=rasterise_stroke(points, 6, truth.shape))
    assert sad(quick, truth) < 0.25 * sad(painted, truth)
    assert sad(quick, truth) < 0.15 * sad(empty, truth)
    soft = (truth > 0.05) & (truth < 0.95)
    assert ((quick[soft] > 0.02) & (quick[soft] < 0.98)).mean() > 0.3  # the new edge is re-solved, not hard


def test_removing_grows_over_the_background_and_keeps_the_subject(disc) -> None:
    rgb, truth = disc
    everything = np.ones_like(truth)  # the network kept the background
    out = quick_select(rgb, everything, [(10, 10), (10, 230)], 5, add=False)
    outside, core = truth < 0.02, truth > 0.98
    assert (out[outside] < 0.5).mean() > 0.9
    assert (out[core] > 0.98).all()


def test_nothing_changes_outside_the_strokes_window(disc) -> None:
    rgb, truth = disc
    alpha = truth.copy()
    alpha[100:140, 100:140] = 0  # a hole in the subject
    stroke = rasterise_stroke([(110, 120), (130, 120)], 4, truth.shape)
    sel = grow_stroke(rgb, alpha, stroke, 4)
    out = apply_selection(rgb, alpha, sel)
    assert np.abs(out[100:140, 100:140] - truth[100:140, 100:140]).mean() < 0.05
    far = np.ones(truth.shape, bool)
    ys, xs = sel.window
    far[max(0, ys.start - 30) : ys.stop + 30, max(0, xs.start - 30) : xs.stop + 30] = False
    assert np.array_equal(out[far], alpha[far])


def test_refine_band_resolves_the_painted_edge_only(disc) -> None:
    rgb, truth = disc
    hard = (truth >= 0.5).astype(np.float32)
    band = rasterise_stroke([(48, 120), (60, 70)], 8, truth.shape)
    out = refine_band(rgb, hard, band)
    changed = np.abs(out - hard) > 1e-4
    assert changed.any()
    ys, xs = np.nonzero(changed)
    assert xs.max() < 60 + 8 + 30 and ys.min() > 70 - 8 - 30  # only near the band
    assert np.abs(out - truth)[band].mean() < np.abs(hard - truth)[band].mean()


def test_the_refine_edge_preview_is_a_coarse_version_of_the_full_solve(disc) -> None:
    rgb, truth = disc
    hard = (truth >= 0.5).astype(np.float32)
    band = rasterise_stroke([(48, 120), (60, 70)], 8, truth.shape)
    full = refine_band(rgb, hard, band)
    preview = refine_band_preview(rgb, hard, band, side=48)  # the crop solved at about half size
    assert np.array_equal(preview[~band], hard[~band])  # only the band is previewed
    assert np.abs(preview - full)[band].mean() < 0.1
    assert np.abs(preview - truth)[band].mean() < np.abs(hard - truth)[band].mean()


def test_an_empty_stroke_and_an_unknown_method_are_handled(disc) -> None:
    rgb, truth = disc
    sel = grow_stroke(rgb, truth, np.zeros(truth.shape, bool), 5)
    assert sel.empty and np.array_equal(apply_selection(rgb, truth, sel), truth)
    with pytest.raises(ValueError, match="grabcut"):
        grow_stroke(rgb, truth, rasterise_stroke([(5, 5)], 3, truth.shape), 3, method="magic")


def test_a_sketch_grows_like_the_full_stroke_at_a_coarser_scale(disc) -> None:
    """The app's first look at a stroke (``sketch=True``: worked at SKETCH_SIDE) selects nearly
    what the stroke itself selects."""
    rgb, truth = disc
    empty = np.zeros_like(truth)
    stroke = rasterise_stroke([(100, 120), (140, 120)], 6, truth.shape)
    full, sketch = (grow_stroke(rgb, empty, stroke, 6, add=True, sketch=s) for s in (False, True))
    a, b = np.zeros(truth.shape, bool), np.zeros(truth.shape, bool)
    a[full.window], b[sketch.window] = full.mask, sketch.mask
    assert (a & b).sum() / (a | b).sum() > 0.8
    assert (b & (truth < 0.5)).sum() / b.sum() < 0.05  # it too stops at the disc's edge


def test_colours_like_the_stroke_are_the_direct_distance_test(disc) -> None:
    """``_like_stroke`` (dot products, re-measured near the threshold) answers as the direct
    per-sample loop of squared differences does, on a real photo's colours."""
    from matting.imageio import load_image
    from matting.quick_select import LIKE_STROKE, SAMPLES, _like_stroke
    from matting.resources import sample_path

    image = load_image(sample_path("astronaut.jpg")).rgb[::3, ::3].astype(np.float32) / 255.0
    rng = np.random.default_rng(5)
    for _ in range(10):
        stroke = np.zeros(image.shape[:2], bool)
        y, x = rng.integers(0, image.shape[0] - 12), rng.integers(0, image.shape[1] - 12)
        stroke[y : y + 12, x : x + 12] = True
        samples = image[stroke]
        samples = samples[np.linspace(0, len(samples) - 1, min(SAMPLES, len(samples))).astype(int)]
        nearest = np.full(stroke.size, np.inf, np.float32)
        for c in samples:
            np.minimum(nearest, ((image.reshape(-1, 3) - c) ** 2).sum(1), out=nearest)
        expected = (nearest < LIKE_STROKE ** 2).reshape(stroke.shape)
        assert np.array_equal(_like_stroke(image, stroke), expected)
        assert 0 < expected.sum() < expected.size  # a test that can tell


def test_bounding_box_of_a_mask() -> None:
    from matting.quick_select import bounding_box

    mask = np.zeros((40, 60), bool)
    assert bounding_box(mask) is None
    mask[5, 7] = mask[30, 52] = mask[12, 3] = True
    assert bounding_box(mask) == (5, 30, 3, 52)
