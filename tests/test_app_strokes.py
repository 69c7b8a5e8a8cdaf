"""Strokes the network listens to, in the real window (pytest-qt, offscreen): with a model that
takes strokes, Apply and Recompute with strokes put the engine's guided prediction into the
document as one undoable step; with a model that does not, the action is disabled and says why."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF

from app.document import Stroke
from app.edits import guidance_of
from matting.colour import network_rgb
from matting.engine import MattingEngine

from .test_app import TIMEOUT, _open, _window, opened, settle, window  # noqa: F401 (fixtures)


def _paint(doc) -> None:
    w, h = doc.size
    doc.add_stroke(Stroke("foreground", 6.0, [QPointF(w * 0.3, h * 0.5), QPointF(w * 0.6, h * 0.5)]))
    doc.add_stroke(Stroke("background", 6.0, [QPointF(w * 0.05, h * 0.05), QPointF(w * 0.2, h * 0.1)]))


def test_apply_with_a_guided_model_puts_the_networks_guided_matte_in_as_one_undoable_step(
        qtbot, tmp_path, photo, guided_model_path) -> None:
    win = _open(qtbot, _window(qtbot, tmp_path, guided_model_path), tmp_path, photo)
    try:
        doc = win.doc
        assert win.takes_strokes and win.actions.recompute_strokes.isEnabled()
        before, steps = doc.alpha, doc.undo_stack.count()
        _paint(doc)
        strokes = [s.data() for s in doc.strokes]
        with qtbot.waitSignal(win.matteReady, timeout=TIMEOUT):
            win.apply_refinement()
        settle(qtbot, win)
        engine = MattingEngine(guided_model_path, device="cpu", max_side=128)
        rgb = network_rgb(doc.image.rgb, doc.image.icc_profile)
        expected = engine.predict(rgb, guidance=guidance_of(strokes, *doc.size))
        assert np.array_equal(doc.alpha, expected) and np.array_equal(doc.network_alpha, expected)
        assert np.abs(expected - engine.predict(rgb)).max() > 1e-3  # the strokes changed the matte (an untrained net)
        assert len(doc.strokes) == 2  # kept for more strokes and another run
        assert doc.undo_stack.count() == steps + 3
        assert doc.undo_stack.undoText() == "Recompute with strokes"
        assert "2 strokes" in win.matte_label.text()
        doc.undo_stack.undo()
        assert doc.alpha is before and len(doc.strokes) == 2
        doc.undo_stack.redo()
        with qtbot.waitSignal(win.matteReady, timeout=TIMEOUT):  # the action does the same
            win.actions.recompute_strokes.trigger()
        assert np.array_equal(doc.alpha, expected)
    finally:
        win.workers.cancel_all()
        win.workers.wait(20000)


def test_recompute_with_strokes_is_disabled_for_a_model_without_guidance(opened) -> None:
    action = opened.actions.recompute_strokes
    assert not opened.takes_strokes and not action.isEnabled()
    assert "does not take strokes" in action.toolTip()
    assert action.shortcut().toString() == "Shift+F5"
