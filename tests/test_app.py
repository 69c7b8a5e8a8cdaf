"""The real window, driven as a designer would (pytest-qt, offscreen): open, wait for the matte,
switch views, zoom in sync, paint and refine, undo, export, batch and cancel."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtTest import QTest

from app.dialogs.export import ExportOptions
from app.main_window import MainWindow
from matting.imageio import load_image
from matting.refine import auto_trimap

TIMEOUT = 120_000


def _window(qtbot, tmp_path, model):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, model=str(model), device="cpu", max_side=128)
    w.setProperty("quiet_errors", True)
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    return w


def settle(qtbot, window) -> None:
    """Wait until the display pipeline has drawn the current state (it renders in workers)."""
    qtbot.waitUntil(lambda: not window.display_busy(), timeout=TIMEOUT)


def _open(qtbot, window, tmp_path, photo):
    path = tmp_path / "cat.png"
    Image.fromarray(photo[::2, ::2]).save(path)
    with qtbot.waitSignal(window.foregroundReady, timeout=TIMEOUT):
        window.open_path(path)
    settle(qtbot, window)
    # the model job also warms the solvers: on a busy CPU the matte can be shown before it ends
    qtbot.waitUntil(lambda: "loading" not in window.model_label.text(), timeout=TIMEOUT)
    return window


@pytest.fixture()
def window(qtbot, tmp_path, small_model_path):
    w = _window(qtbot, tmp_path, small_model_path)
    yield w
    w.workers.cancel_all()
    w.workers.wait(20000)


@pytest.fixture()
def opened(qtbot, window, tmp_path, photo):
    return _open(qtbot, window, tmp_path, photo)


def test_open_computes_a_full_size_matte(opened, photo) -> None:
    doc = opened.doc
    assert doc.alpha.shape == photo[::2, ::2].shape[:2] and doc.alpha.dtype == np.float32
    assert doc.foreground.shape == photo[::2, ::2].shape
    assert "small-test" in opened.model_label.text()
    assert "226 x 150" in opened.size_label.text()


def test_views_switch_and_panes_zoom_together(qtbot, opened) -> None:
    opened.set_layout("three")
    panes = opened.compare.visible_panes
    assert len(panes) == 3
    opened.set_view("alpha")
    settle(qtbot, opened)
    alpha_img = panes[0].canvas.pixmap_item.pixmap().toImage()
    opened.set_view("original")
    settle(qtbot, opened)
    original_img = panes[0].canvas.pixmap_item.pixmap().toImage()
    assert alpha_img.size() == original_img.size() and alpha_img != original_img
    panes[1].canvas.set_zoom(4.0, QPointF(60, 40))
    for pane in panes:
        assert pane.canvas.zoom == pytest.approx(4.0)
        c = pane.canvas.center()
        assert abs(c.x() - panes[1].canvas.center().x()) < 1.5 and abs(c.y() - panes[1].canvas.center().y()) < 1.5
    panes[0].canvas.horizontalScrollBar().setValue(panes[0].canvas.horizontalScrollBar().value() + 40)
    assert abs(panes[2].canvas.center().x() - panes[0].canvas.center().x()) < 1.5
    assert opened.compare.panes[0].canvas.pixmap_item.transformationMode() == Qt.TransformationMode.FastTransformation


def test_brush_refine_and_undo(qtbot, opened) -> None:
    opened.set_layout("single")
    canvas = opened.compare.panes[0].canvas
    canvas.set_zoom(2.0, QPointF(113, 75))
    before = opened.doc.alpha.copy()
    opened.brush_panel.size.setValue(6)
    opened.brush_panel.select("background")
    viewport = canvas.viewport()
    start, end = canvas.mapFromScene(QPointF(90, 75)), canvas.mapFromScene(QPointF(140, 75))
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for t in np.linspace(0, 1, 8):
        QTest.mouseMove(viewport, QPoint(int(start.x() + t * (end.x() - start.x())), start.y()))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert len(opened.doc.strokes) == 1
    with qtbot.waitSignal(opened.refined, timeout=TIMEOUT):
        opened.apply_refinement()
    after = opened.doc.alpha
    changed = np.abs(after - before) > 1e-3
    assert changed.any()
    assert (after[73:78, 95:135] < 0.01).all()  # painted background is background
    ys, xs = np.nonzero(changed)
    assert ys.min() >= 75 - 6 - 26 and ys.max() <= 75 + 6 + 26  # nothing changes far from the stroke
    assert xs.min() >= 90 - 6 - 26 and xs.max() <= 140 + 6 + 26
    assert opened.doc.strokes == []
    opened.undo_action.trigger()
    assert np.array_equal(opened.doc.alpha, before) and len(opened.doc.strokes) == 1
    opened.undo_action.trigger()
    assert opened.doc.strokes == []


def test_refine_edges_changes_only_the_soft_edge_and_undoes(qtbot, tmp_path, shipped_model_path) -> None:
    """On a photo whose matte has background (the cat fills its frame: its matte has none, so
    nothing anchors the solve and the matte is kept)."""
    from skimage import data

    opened = _open(qtbot, _window(qtbot, tmp_path, shipped_model_path), tmp_path, data.astronaut())
    before = opened.doc.alpha.copy()
    band = auto_trimap(before) == 128
    with qtbot.waitSignal(opened.refined, timeout=TIMEOUT):
        opened.actions.refine_edges.trigger()
    after = opened.doc.alpha
    changed = np.abs(after - before) > 1e-6
    assert changed[band].any()
    assert np.abs(after - before)[~band].max() <= 0.05 + 1e-6  # outside the band: only snapped to 0 / 1
    opened.undo_action.trigger()
    assert np.array_equal(opened.doc.alpha, before)
    opened.workers.cancel_all()
    opened.workers.wait(20000)


def test_flip_setting_recomputes_and_is_kept(qtbot, opened) -> None:
    """The menu shows the engine's flip default (on where the network runs in bf16); toggling it
    recomputes the matte and keeps the choice."""
    before = opened.doc.alpha.copy()
    was = opened.engine.get().flip
    assert opened.actions.flip.isChecked() is was
    with qtbot.waitSignal(opened.foregroundReady, timeout=TIMEOUT):
        opened.actions.flip.trigger()
    assert opened.actions.flip.isChecked() is (not was) and opened.engine.get().flip is (not was)
    assert opened.settings.value("engine/flip") in ((False, "false") if was else (True, "true"))
    assert not np.array_equal(opened.doc.alpha, before)


@pytest.mark.parametrize("what, fmt", [("cutout", "png"), ("alpha", "tiff"), ("composite", "jpg")])
def test_export_writes_files_that_read_back(qtbot, opened, tmp_path, what, fmt) -> None:
    ext = {"png": ".png", "tiff": ".tif", "jpg": ".jpg"}[fmt]
    target = tmp_path / f"out_{what}{ext}"
    with qtbot.waitSignal(opened.exported, timeout=TIMEOUT):
        opened.export_to(target, ExportOptions(what, fmt))
    loaded = load_image(target)
    assert loaded.rgb.shape[:2] == opened.doc.alpha.shape
    if what == "cutout":
        assert np.abs(loaded.input_alpha / 255.0 - opened.doc.alpha).max() <= 0.51 / 255 + 1e-6
    if what == "alpha":
        assert np.abs(loaded.rgb[..., 0] / 255.0 - opened.doc.alpha).max() <= 0.51 / 255 + 1e-6


def test_batch_runs_to_completion_and_cancels_midway(qtbot, window, tmp_path, photo) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):
        Image.fromarray(np.roll(photo[::3, ::3], 9 * i, axis=1)).save(src / f"p{i}.jpg")
    dlg = window.batch_dialog()
    dlg.indir.setText(str(src))
    dlg.outdir.setText(str(tmp_path / "out"))
    with qtbot.waitSignal(dlg.finished_report, timeout=TIMEOUT) as done:
        dlg.start()
    report = done.args[0]
    assert report.count("ok") == 5 and dlg.files.count() == 5 and dlg.progress.value() == 5
    assert (tmp_path / "out" / "msia-batch-report.json").is_file()
    dlg.outdir.setText(str(tmp_path / "out2"))
    # Cancel in the batch's own thread as the first file is reported (a direct connection), so the
    # batch cannot race past it: no more than the file being computed meanwhile is finished.
    dlg.relay.fileDone.connect(lambda d, t, r: dlg.task.cancel() if d == 1 else None, Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(dlg.finished_report, timeout=TIMEOUT) as done:
        dlg.start()
    report = done.args[0]
    assert report.cancelled and 1 <= report.count("ok") <= 2 and report.count("not processed") == 5 - report.count("ok")
    assert len(list((tmp_path / "out2").glob("*.png"))) == report.count("ok")
    for p in (tmp_path / "out2").glob("*.png"):
        assert load_image(p).rgb.shape[:2] == photo[::3, ::3].shape[:2]
    assert not list((tmp_path / "out2").glob(".*part"))


def test_unreadable_file_gives_a_message_naming_it(qtbot, window, tmp_path) -> None:
    bad = tmp_path / "broken.jpg"
    bad.write_text("not an image")
    with qtbot.waitSignal(window.failed, timeout=TIMEOUT) as failed:
        window.open_path(bad)
    assert "broken.jpg" in failed.args[0]
