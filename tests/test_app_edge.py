"""Issue 13 part A in the real window (pytest-qt, offscreen) with the shipped network on a real
photo: edge controls previewed live on the proxy, undoable, remembered and written at full
resolution into the export with their settings in its metadata; the overlay, onion-skin and
refine-band views; the layered TIFF and crop to subject from Export."""
from __future__ import annotations

import numpy as np
import pytest
import tifffile
from PIL import Image
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from app.dialogs.export import ExportOptions
from app.main_window import MainWindow
from matting.crop import parse_padding, subject_box
from matting.edge_controls import EdgeSettings, apply_edge_settings
from matting.imageio import load_image, read_metadata
from matting.resources import sample_path

from .test_app import TIMEOUT, settle
from .test_app_display import _grab
from .test_app_display import _window as display_window


def _window(qtbot, settings: QSettings, model) -> MainWindow:
    return display_window(qtbot, settings, model, max_side=256)


@pytest.fixture()
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture()
def win(qtbot, settings, shipped_model_path):
    w = _window(qtbot, settings, shipped_model_path)
    with qtbot.waitSignal(w.foregroundReady, timeout=TIMEOUT):
        w.open_path(sample_path("astronaut.jpg"))
    settle(qtbot, w)
    yield w
    w.workers.cancel_all()
    w.workers.wait(30000)


def _press(qtbot, widget, key, times: int) -> None:
    widget.setFocus()
    for _ in range(times):
        QTest.keyClick(widget, key)


def test_a_slider_previews_on_the_proxy_then_commits_one_undoable_step(qtbot, win) -> None:
    panel, doc = win.edge_panel, win.doc
    _press(qtbot, panel.sliders["feather"], Qt.Key.Key_PageUp, 1)  # PageUp: 10 steps of 0.5 px
    settle(qtbot, win)
    assert doc.edge == EdgeSettings(feather=5.0)
    p = win.display.proxy
    expected = apply_edge_settings(p.rgb, p.alpha, EdgeSettings(feather=5.0).scaled(p.scale))
    assert p.edge_alpha is not None and np.allclose(p.edge_alpha, expected)
    assert doc.undo_stack.count() == 1
    _press(qtbot, panel.sliders["shift"], Qt.Key.Key_Left, 4)  # four key steps: four undoable steps
    settle(qtbot, win)
    assert doc.edge == EdgeSettings(feather=5.0, shift=-2.0)
    for _ in range(4):
        win.actions.undo.trigger()
    settle(qtbot, win)
    assert doc.edge == EdgeSettings(feather=5.0) and panel.spins["shift"].value() == 0
    win.actions.undo.trigger()
    settle(qtbot, win)
    assert doc.edge == EdgeSettings() and panel.sliders["feather"].value() == 0
    assert win.display.proxy.edge_alpha is None  # the view is the plain matte again
    win.actions.redo.trigger()
    assert doc.edge == EdgeSettings(feather=5.0) and panel.spins["feather"].value() == 5.0


def test_the_alpha_view_shows_the_adjusted_matte(qtbot, win) -> None:
    win.set_layout("single")
    win.set_view("alpha")
    settle(qtbot, win)
    canvas = win.compare.panes[0].canvas
    before = _grab(canvas)
    win.edge_panel.set_value("shift", -8)
    settle(qtbot, win)
    after = _grab(canvas)
    assert after[..., 0].astype(int).sum() < 0.97 * before[..., 0].astype(int).sum()  # the subject shrank on screen


def test_export_applies_the_edge_at_full_resolution_and_records_it(qtbot, win, tmp_path) -> None:
    win.edge_panel.set_value("contrast", 40)
    win.edge_panel.set_value("decontaminate", 50)
    win.edge_panel.set_value("smooth", 2)
    settle(qtbot, win)
    edge = EdgeSettings(smooth=2, contrast=0.4, decontaminate=0.5)
    assert win.doc.edge == edge
    out = tmp_path / "cut.png"
    with qtbot.waitSignal(win.exported, timeout=TIMEOUT):
        win.export_to(out, ExportOptions("cutout", "png", 8))
    written = load_image(out)
    expected = apply_edge_settings(win.doc.image.rgb, win.doc.alpha, edge)
    assert np.abs(written.input_alpha / 255.0 - expected).max() <= 0.51 / 255 + 1e-6
    meta = read_metadata(out)
    assert EdgeSettings.from_metadata(meta) == edge
    assert meta["edge_contrast"] == "0.4" and meta["edge_decontaminate"] == "0.5"


def test_edge_settings_and_view_opacity_are_remembered(qtbot, settings, shipped_model_path, win) -> None:
    win.edge_panel.set_value("radius", 6)
    win.edge_panel.set_value("feather", 1.5)
    win.edge_panel.opacity.setValue(70)
    win.close()
    again = _window(qtbot, settings, shipped_model_path)
    assert again.edge_panel.settings() == EdgeSettings(radius=6, feather=1.5)
    assert again.display.edge == EdgeSettings(radius=6, feather=1.5)
    assert again.edge_panel.opacity.value() == 70
    again.workers.cancel_all()
    again.workers.wait(30000)


def test_overlay_onion_skin_and_band_views(qtbot, win) -> None:
    win.set_layout("single")
    canvas = win.compare.panes[0].canvas
    alpha = win.doc.alpha
    # a background pixel (alpha 0) and a subject pixel (alpha 1) of the photo, found on screen
    ys, xs = np.nonzero(alpha < 0.01)
    by, bx = ys[len(ys) // 2], xs[len(xs) // 2]
    ys, xs = np.nonzero(alpha > 0.99)
    fy, fx = ys[len(ys) // 2], xs[len(xs) // 2]

    def screen(x, y):
        p = canvas.mapFromScene(float(x) + 0.5, float(y) + 0.5)
        return p.y(), p.x()

    rgb = win.doc.image.rgb
    win.edge_panel.opacity.setValue(80)
    win.set_view("overlay")
    settle(qtbot, win)
    shot = _grab(canvas).astype(int)
    r, g, b = shot[screen(bx, by)]
    assert r > g + 60 and r > b + 60  # the cut-away area is tinted red
    assert np.abs(shot[screen(fx, fy)] - rgb[fy, fx].astype(int)).max() < 40  # the subject as it is
    win.set_view("onion")
    win.edge_panel.opacity.setValue(100)
    settle(qtbot, win)
    shot = _grab(canvas).astype(int)
    assert tuple(shot[screen(bx, by)]) in ((204, 204, 204), (242, 242, 242))  # all of the rest faded: checkerboard
    win.edge_panel.opacity.setValue(0)
    settle(qtbot, win)
    shot = _grab(canvas).astype(int)
    assert np.abs(shot[screen(bx, by)] - rgb[by, bx].astype(int)).max() < 40  # the whole photo shows again
    win.edge_panel.set_value("radius", 20)
    win.set_view("band")
    settle(qtbot, win)
    shot = _grab(canvas)
    magenta = (shot[..., 0] > 200) & (shot[..., 1] < 60) & (shot[..., 2] > 200)
    assert magenta.sum() > 500  # the band's outline, in the edge-check colour


def test_layered_tiff_and_crop_from_export(qtbot, win, tmp_path) -> None:
    out = tmp_path / "astronaut_layered.tif"
    with qtbot.waitSignal(win.exported, timeout=TIMEOUT):
        win.export_to(out, ExportOptions("layered", "tiff", 8, crop="16"))
    x, y, w, h = subject_box(win.doc.alpha, parse_padding("16"))
    assert (w, h) != win.doc.size  # the astronaut does not fill the photo
    with tifffile.TiffFile(out) as tif:
        page = tif.pages[0]
        array = page.asarray()
        assert tuple(np.atleast_1d(page.tags["ExtraSamples"].value)) == (2,)  # unassociated alpha
    assert array.shape == (h, w, 4)
    assert np.array_equal(array[..., :3], win.doc.image.rgb[y : y + h, x : x + w])  # the photo, untouched
    expected = np.round(win.doc.alpha[y : y + h, x : x + w] * 255)
    assert np.abs(array[..., 3].astype(int) - expected).max() <= 1
    with Image.open(out) as im:
        assert im.mode == "RGBA" and im.size == (w, h)
        assert np.array_equal(np.asarray(im)[..., 3], array[..., 3])  # Pillow: the mask in place
    assert read_metadata(out)["crop"] == f"{x},{y},{w},{h}"


def test_export_dialog_offers_layered_tiff_and_crop(qtbot, tmp_path, settings) -> None:
    from app.dialogs.export import ExportDialog

    src = tmp_path / "photo.jpg"
    dlg = ExportDialog(src, 8, settings)
    qtbot.addWidget(dlg)
    assert not dlg.format.model().item(dlg.format.findData("psd")).isEnabled()  # a PSD is layered only
    dlg.what.setCurrentIndex(dlg.what.findData("layered"))
    assert dlg.format.currentData() == "psd" and dlg.path.text().endswith("photo_layered.psd")  # Photoshop's
    png = dlg.format.model().item(dlg.format.findData("png"))
    assert not png.isEnabled() and not dlg.quality.isEnabled()
    dlg.format.setCurrentIndex(dlg.format.findData("tiff"))
    assert dlg.path.text().endswith("photo_layered.tif")
    dlg.crop.setChecked(True)
    dlg.padding.setText("a bit")
    dlg.accept()
    assert "padding" in dlg.problem.text() and dlg.result() == 0  # not accepted: the reason is shown
    dlg.padding.setText("24")
    dlg.path.setText(str(tmp_path / "out.tif"))
    dlg.accept()
    assert dlg.options() == ExportOptions("layered", "tiff", 8, False, "24", 95)
    again = ExportDialog(src, 8, settings)  # remembered
    qtbot.addWidget(again)
    assert again.options().what == "layered" and again.options().crop == "24"


def test_a_drag_shows_quick_drafts_and_commits_once_on_release(qtbot, win) -> None:
    win.set_layout("single")
    win.set_view("alpha")
    settle(qtbot, win)
    canvas = win.compare.panes[0].canvas
    slider = win.edge_panel.sliders["shift"]
    slider.setSliderDown(True)
    for value in (-2, -6, -10):  # a drag: several positions, the slider held down
        slider.setValue(value)
    qtbot.waitUntil(lambda: canvas.content_key is not None and canvas.content_key[0] == "draft", timeout=TIMEOUT)
    assert win.doc.edge == EdgeSettings() and win.doc.undo_stack.count() == 0  # nothing committed yet
    draft = _grab(canvas)
    slider.setSliderDown(False)  # release
    settle(qtbot, win)
    assert win.doc.edge == EdgeSettings(shift=-5.0) and win.doc.undo_stack.count() == 1
    assert canvas.content_key[0] == "alpha"  # the full picture replaced the draft
    full = _grab(canvas)
    assert np.abs(draft.astype(int) - full.astype(int)).mean() < 8  # the draft looked like the result
