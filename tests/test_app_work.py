"""A designer's work survives (issue 29), in the real window (pytest-qt, offscreen) on real
photos: a new network matte keeps the strokes and replays the edits as one undoable step; a
result computed for an older matte is computed again, never pasted; the title marks unsaved work
and the window asks before dropping it; a project file beside the photo reopens as it was; a
replaced document is freed."""
from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.edits import STROKES, apply_edit, replay
from app.tools.edge_brushes import QUICK_ADD, REFINE_EDGE

from .test_app import TIMEOUT, settle
from .test_app_display import SAMPLES, _finish, _open, _settings, _window
from .test_app_edge_brushes import astronaut, paint  # noqa: F401 (astronaut: a fixture)


@pytest.fixture()
def cat_window(qtbot, tmp_path, small_model_path, photo):
    from PIL import Image

    path = tmp_path / "cat.png"
    Image.fromarray(photo[::2, ::2]).save(path)
    w = _window(qtbot, _settings(tmp_path), small_model_path)
    w.set_layout("single")
    _open(qtbot, w, path)
    qtbot.waitUntil(lambda: "loading" not in w.model_label.text(), timeout=TIMEOUT)
    yield w
    _finish(w)


def _paint_and_apply(qtbot, w, kind: str, points) -> None:
    w.brush_panel.size.setValue(6)
    w.brush_panel.select(kind)
    paint(w.compare.panes[0].canvas, points)
    with qtbot.waitSignal(w.refined, timeout=TIMEOUT):
        w.actions.refine.trigger()


def test_recompute_keeps_strokes_and_replays_edits_as_one_undoable_step(qtbot, cat_window) -> None:
    w = cat_window
    doc = w.doc
    _paint_and_apply(qtbot, w, "background", [(90, 75), (140, 75)])
    w.brush_panel.select("foreground")
    paint(w.compare.panes[0].canvas, [(60, 40), (70, 50)])  # a stroke waiting for Apply
    steps, old_network, old_alpha = doc.undo_stack.count(), doc.network_alpha, doc.alpha
    assert [e.kind for e in doc.edits] == [STROKES] and len(doc.strokes) == 1
    with qtbot.waitSignal(w.matteReady, timeout=TIMEOUT):
        w.set_max_side(96)  # Settings > Working resolution: a new network matte
    assert doc.undo_stack.count() == steps + 1 and doc.undo_stack.undoText() == "Recompute matte"
    assert len(doc.strokes) == 1  # the waiting stroke is still there (and still drawn)
    assert [e.kind for e in doc.edits] == [STROKES]
    assert not np.array_equal(doc.network_alpha, old_network)
    assert np.array_equal(doc.alpha, apply_edit(doc.image.rgb, doc.network_alpha, doc.edits[0]))
    assert (doc.alpha[73:78, 95:135] < 0.01).all()  # the painted background is background again
    w.undo_action.trigger()
    assert doc.network_alpha is old_network and doc.alpha is old_alpha and doc.matte_info["max_side"] == 128
    w.redo_action.trigger()
    assert doc.matte_info["max_side"] == 96


def test_a_brush_result_for_an_older_matte_is_computed_again_not_pasted(qtbot, astronaut) -> None:
    """Undo while a refine-edge stroke is being solved at full resolution: the solve started from
    the matte with the quick selection; what lands is the stroke solved on the matte without it."""
    w = astronaut
    canvas = w.compare.panes[0].canvas
    network = w.doc.alpha
    w.brush_panel.size.setValue(8)
    w.brush_panel.select(QUICK_ADD)
    with qtbot.waitSignal(w.edge_brushes.applied, timeout=TIMEOUT):
        paint(canvas, [(140, 300), (200, 300)])
    with_quick = w.doc.alpha
    assert not np.array_equal(with_quick, network)
    w.brush_panel.select(REFINE_EDGE)
    paint(canvas, [(120, 250), (130, 330)])
    qtbot.waitUntil(lambda: w.edge_brushes.running, timeout=TIMEOUT)
    version = w.doc.version
    w.undo_action.trigger()  # the quick selection goes while the stroke is solved on top of it
    assert w.doc.alpha is network and w.doc.version == version + 1
    with qtbot.waitSignal(w.edge_brushes.applied, timeout=TIMEOUT):
        pass
    assert [e.kind for e in w.doc.edits] == [REFINE_EDGE]
    expected = apply_edit(w.doc.image.rgb, network, w.doc.edits[0])
    assert np.array_equal(w.doc.alpha, expected)
    assert np.array_equal(w.doc.alpha, replay(w.doc.image.rgb, w.doc.network_alpha, w.doc.edits))


def _answer_unsaved(qtbot, w, button) -> list[str]:
    """Click ``button`` in the unsaved-work question as soon as it is open; returns its text."""
    seen: list[str] = []

    def click() -> None:
        if w.unsaved_box is None:
            QTimer.singleShot(10, click)
            return
        seen.append(w.unsaved_box.text())
        w.unsaved_box.button(button).click()

    QTimer.singleShot(10, click)
    return seen


def test_unsaved_work_is_marked_asked_about_and_saved_as_a_project_that_reopens(qtbot, cat_window, tmp_path) -> None:
    w = cat_window
    w.setProperty("quiet_errors", False)  # a designer's window: it asks
    doc = w.doc
    photo = doc.path
    assert not w.isWindowModified() and w.windowTitle().startswith("cat.png")
    _paint_and_apply(qtbot, w, "background", [(90, 75), (140, 75)])
    w.brush_panel.select("foreground")
    paint(w.compare.panes[0].canvas, [(60, 40), (70, 50)])
    edge = w.edge_panel.settings().__class__(feather=1.5)
    doc.set_edge(edge)
    assert w.isWindowModified()
    # opening another photo asks first; Cancel keeps everything
    seen = _answer_unsaved(qtbot, w, QMessageBox.StandardButton.Cancel)
    w.open_path(SAMPLES / "coffee.jpg")
    assert seen and "cat.png" in seen[0] and w.doc is doc and not w.workers.is_running("open")
    # closing asks too; Save writes the project beside the photo
    _answer_unsaved(qtbot, w, QMessageBox.StandardButton.Save)
    with qtbot.waitSignal(w.projectSaved, timeout=TIMEOUT) as saved:
        w.close()
    project = photo.with_name("cat.png.msiamatte")
    assert saved.args == [str(project)] and project.is_file() and not w.isWindowModified()
    alpha, network, strokes = doc.alpha.copy(), doc.network_alpha.copy(), [s.data() for s in doc.strokes]
    # a new window reopens it as it was, with no network run
    w2 = _window(qtbot, _settings(tmp_path / "other"), w.engine.model)
    with qtbot.waitSignal(w2.matteReady, timeout=TIMEOUT):
        w2.open_path(project)
    d2 = w2.doc
    assert d2.path == photo and not w2.workers.is_running("matte") and not w2.isWindowModified()
    assert np.abs(d2.alpha - alpha).max() <= 0.5 / 65535 + 1e-7  # 16-bit
    assert np.abs(d2.network_alpha - network).max() <= 0.5 / 65535 + 1e-7
    assert [s.data() for s in d2.strokes] == strokes and d2.edge == edge
    assert w2.edge_panel.settings() == edge
    assert [e.kind for e in d2.edits] == [STROKES] and d2.edits[0].strokes == doc.edits[0].strokes
    assert d2.matte_info["max_side"] == 128
    settle(qtbot, w2)
    # opening the photo itself offers its saved work; Ctrl+S saves again (in a worker)
    with qtbot.waitSignal(w2.matteReady, timeout=TIMEOUT):
        w2.open_path(photo)
    assert w2.project_bar.isVisible() and "cat.png.msiamatte" in w2.project_bar.label.text()
    with qtbot.waitSignal(w2.matteReady, timeout=TIMEOUT):
        w2.project_bar.accept_button.click()
    assert [s.data() for s in w2.doc.strokes] == strokes and not w2.project_bar.isVisible()
    w2.doc.set_edge(edge.__class__(feather=3.0))
    assert w2.isWindowModified()
    with qtbot.waitSignal(w2.projectSaved, timeout=TIMEOUT):
        w2.actions.save.trigger()
    assert not w2.isWindowModified()
    settle(qtbot, w2)
    _finish(w2)


def test_a_replaced_document_is_freed(qtbot, cat_window) -> None:
    w = cat_window
    first = weakref.ref(w.doc)
    _paint_and_apply(qtbot, w, "background", [(90, 75), (140, 75)])  # a history to drop
    _open(qtbot, w, SAMPLES / "chelsea.jpg")
    settle(qtbot, w)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert first() is None


def test_export_writes_a_psd_whose_cutout_layer_has_the_matte_as_its_mask(qtbot, cat_window, tmp_path) -> None:
    """Issue 29, item 7, from the window: File > Export, Layered, PSD; read back with psd-tools."""
    psd_tools = pytest.importorskip("psd_tools")
    from app.dialogs.export import ExportOptions

    w = cat_window
    out = tmp_path / "cat_layered.psd"
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
        w.export_to(out, ExportOptions("layered", "psd"))
    psd = psd_tools.PSDImage.open(out)
    photo, cut = list(psd)
    assert cut.has_mask() and not photo.has_mask() and not photo.visible
    assert np.abs(cut.numpy("mask").reshape(w.doc.alpha.shape) - w.doc.alpha).max() <= 0.5 / 255 + 1e-6
    assert np.abs(photo.numpy()[..., :3] * 255 - w.doc.image.rgb).max() < 1e-3


def test_jpeg_quality_in_single_export(qtbot, cat_window, tmp_path) -> None:
    from app.dialogs.export import ExportDialog, ExportOptions

    w = cat_window
    dlg = ExportDialog(w.doc.path, 8, w.settings)
    qtbot.addWidget(dlg)
    assert not dlg.quality.isEnabled()  # a PNG cutout has no quality
    dlg.what.setCurrentIndex(dlg.what.findData("composite"))
    dlg.format.setCurrentIndex(dlg.format.findData("jpg"))
    assert dlg.quality.isEnabled()
    dlg.quality.setValue(40)
    assert dlg.options().quality == 40
    sizes = {}
    for q in (40, 95):
        out = tmp_path / f"cat_{q}.jpg"
        with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
            w.export_to(out, ExportOptions("composite", "jpg", quality=q))
        sizes[q] = out.stat().st_size
    assert sizes[40] < 0.6 * sizes[95]
