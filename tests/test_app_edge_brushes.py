"""The edge-aware brushes in the real window (pytest-qt, offscreen), on a real photo through the
shipped model, painted with the mouse as a designer would: quick selection grows a stroke to the
subject's edges, refine edge re-solves the painted band with a preview while painting, both are
undoable, and the brush cursor follows at the brush's size."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from app.tools.edge_brushes import QUICK_ADD, QUICK_REMOVE, REFINE_EDGE

from .test_app import TIMEOUT, settle
from .test_app_display import _finish, _open, _settings, _window

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture()
def astronaut(qtbot, tmp_path, shipped_model_path):
    w = _window(qtbot, _settings(tmp_path), shipped_model_path, max_side=320)
    w.set_layout("single")
    w.set_view("alpha")
    _open(qtbot, w, SAMPLES / "astronaut.jpg")
    yield w
    _finish(w)


def paint(canvas, points: list[tuple[float, float]], steps: int = 10) -> None:
    """Press, drag through ``points`` (photo pixels) and release, on the canvas's viewport."""
    vp = canvas.viewport()
    pts = [canvas.mapFromScene(QPointF(x, y)) for x, y in points]
    QTest.mouseMove(vp, pts[0])
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    for a, b in zip(pts, pts[1:]):
        for t in np.linspace(0, 1, steps)[1:]:
            QTest.mouseMove(vp, QPoint(round(a.x() + t * (b.x() - a.x())), round(a.y() + t * (b.y() - a.y()))))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])


def _suit_and_wall(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The astronaut's orange suit and the pale wall behind her, by colour."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    return (hsv[..., 0] <= 22) & (hsv[..., 1] > 110), (hsv[..., 1] < 60) & (hsv[..., 2] > 150)


def dropped_subject(qtbot, w):
    """(empty matte, canvas): the matte emptied (as if the network had dropped the whole subject)
    and the quick-selection brush picked with an 8 px radius."""
    empty = np.zeros_like(w.doc.alpha)
    w.doc.apply_refinement(empty)
    settle(qtbot, w)
    w.brush_panel.size.setValue(8)
    w.brush_panel.select(QUICK_ADD)
    return empty, w.compare.panes[0].canvas


def test_quick_selection_grows_a_stroke_over_the_suit_to_its_edges_and_undoes(qtbot, astronaut) -> None:
    w = astronaut
    empty, canvas = dropped_subject(qtbot, w)
    assert canvas.cursor_item.rect().width() == pytest.approx(16)  # the brush-size cursor
    with qtbot.waitSignal(w.edge_brushes.applied, timeout=TIMEOUT):
        with qtbot.waitSignal(w.edge_brushes.previewed, timeout=TIMEOUT):
            paint(canvas, [(140, 300), (200, 300)])  # one short stroke on the chest
    after = w.doc.alpha
    suit, _wall = _suit_and_wall(w.doc.image.rgb)
    selected = after > 0.5
    painted = 2 * 8 * 60 + np.pi * 8 ** 2
    assert selected.sum() > 2 * painted  # it grew past the painted pixels...
    assert (selected & suit).sum() / selected.sum() > 0.8  # ...over the suit...
    assert selected[:200, :80].mean() < 0.02 and not selected[:120].any()  # ...not the flag or the wall above
    assert w.undo_action.isEnabled()
    w.undo_action.trigger()
    assert np.array_equal(w.doc.alpha, empty)
    w.redo_action.trigger()
    assert np.array_equal(w.doc.alpha, after)


def test_quick_remove_takes_out_background_the_network_kept(qtbot, astronaut) -> None:
    w = astronaut
    full = np.ones_like(w.doc.alpha)  # as if the network had kept everything
    w.doc.apply_refinement(full)
    settle(qtbot, w)
    w.brush_panel.size.setValue(8)
    w.brush_panel.select(QUICK_REMOVE)
    with qtbot.waitSignal(w.edge_brushes.applied, timeout=TIMEOUT):
        paint(w.compare.panes[0].canvas, [(300, 60), (330, 110)])  # the wall right of her head
    removed = w.doc.alpha < 0.5
    suit, wall = _suit_and_wall(w.doc.image.rgb)
    assert removed.sum() > 4 * (2 * 8 * 58 + np.pi * 8 ** 2)
    assert (removed & wall).sum() / removed.sum() > 0.6
    assert (removed & suit)[150:, :360].sum() < 50  # the suit stays (the shuttle model's orange tank may go)


def test_refine_edge_previews_while_painting_then_solves_the_band(qtbot, astronaut) -> None:
    w = astronaut
    before = w.doc.alpha.copy()
    hard = (before >= 0.5).astype(np.float32)  # a matte with a hard edge everywhere
    w.doc.apply_refinement(hard)
    settle(qtbot, w)
    canvas = w.compare.panes[0].canvas
    w.brush_panel.size.setValue(10)
    w.brush_panel.select(REFINE_EDGE)
    sketches: list[tuple] = []  # (final, the newest patch's tag) per sketch drawn
    exact: list[bool] = []
    w.edge_brushes.sketched.connect(lambda final: sketches.append((final, canvas.patch_items[-1].data(0))))
    w.edge_brushes.previewed.connect(lambda: exact.append(True))
    # along the astronaut's left shoulder edge
    ys, xs = np.nonzero(np.abs(np.diff(hard, axis=1)) > 0)
    rows = [y for y in range(250, 400, 30) if (xs[ys == y] < 200).any()]
    edge = [(float(xs[ys == y][xs[ys == y] < 200].min()), float(y)) for y in rows]
    vp = canvas.viewport()
    start = canvas.mapFromScene(QPointF(*edge[0]))
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for x, y in edge[1:]:
        QTest.mouseMove(vp, canvas.mapFromScene(QPointF(x, y)))
        qtbot.wait(30)
    qtbot.waitUntil(lambda: len(sketches) > 0, timeout=TIMEOUT)
    final, tag = sketches[0]
    assert not final and tag[0] == "sketch"  # the band's sketch is drawn before the release...
    assert not exact  # ...and the exact proxy solve waits for the release (one solve at a time)
    assert canvas.live_item.isVisible()
    with qtbot.waitSignal(w.edge_brushes.applied, timeout=TIMEOUT):
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           canvas.mapFromScene(QPointF(*edge[-1])))
    assert exact  # the exact proxy result came between the release and the full-resolution one
    after = w.doc.alpha
    changed = np.abs(after - hard) > 1e-3
    assert changed.any() and ((after > 0.02) & (after < 0.98)).sum() > ((hard > 0.02) & (hard < 0.98)).sum()
    ys, xs = np.nonzero(changed)
    assert ys.min() > 250 - 10 - 40 and xs.max() < 200 + 10 + 40  # only near the painted band
    settle(qtbot, w)
    assert not w.display.previewing  # the document's matte is shown again
    w.undo_action.trigger()
    assert np.array_equal(w.doc.alpha, hard)


def test_edge_brushes_leave_painted_strokes_for_apply(qtbot, astronaut) -> None:
    w = astronaut
    canvas = w.compare.panes[0].canvas
    w.brush_panel.size.setValue(6)
    w.brush_panel.select("background")
    paint(canvas, [(20, 20), (60, 20)])
    assert len(w.doc.strokes) == 1
    w.brush_panel.select(QUICK_ADD)
    with qtbot.waitSignal(w.edge_brushes.applied, timeout=TIMEOUT):
        paint(canvas, [(140, 300), (200, 300)])
    assert len(w.doc.strokes) == 1  # the background stroke still waits for Apply
    assert w.doc.undo_stack.undoText() == "Quick selection: add"
