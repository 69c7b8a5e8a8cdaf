"""The display pipeline and the bugs a designer hit (issue 12), driven through the real window
(pytest-qt, offscreen) on real photos: each test does what the designer did and checks what the
window shows or writes."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QColor, QImage, QKeySequence
from PySide6.QtTest import QTest

from app.dialogs.export import ExportDialog, ExportOptions
from app.display import PROXY_SIDE, region_pixels
from app.main_window import MainWindow
from app.views.canvas import CHECKER_SQUARE, ImageCanvas
from app.views.render import compose_view
from matting.imageio import load_image

from .test_app import TIMEOUT, settle

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "resources" / "samples"


def _settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _window(qtbot, settings, model, max_side=128) -> MainWindow:
    w = MainWindow(settings=settings, model=str(model), device="cpu", max_side=max_side)
    w.setProperty("quiet_errors", True)
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    return w


def _open(qtbot, window, path) -> MainWindow:
    with qtbot.waitSignal(window.foregroundReady, timeout=TIMEOUT):
        window.open_path(path)
    settle(qtbot, window)
    return window


def _finish(window) -> None:
    window.workers.cancel_all()
    window.workers.wait(30000)


@pytest.fixture()
def win(qtbot, tmp_path, small_model_path):
    w = _window(qtbot, _settings(tmp_path), small_model_path)
    yield w
    _finish(w)


@pytest.fixture()
def cat(tmp_path, photo) -> Path:
    path = tmp_path / "cat.png"
    Image.fromarray(photo[::2, ::2]).save(path)
    return path


def _big_photo(tmp_path, photo, width: int) -> Path:
    import cv2

    h = round(photo.shape[0] * width / photo.shape[1])
    path = tmp_path / f"big{width}.png"
    Image.fromarray(cv2.resize(photo, (width, h), interpolation=cv2.INTER_CUBIC)).save(path, compress_level=1)
    return path


def _grab(canvas) -> np.ndarray:
    image = canvas.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    return np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).copy()


# ---------------------------------------------------------------- display pipeline
def test_a_large_photo_is_shown_from_a_proxy_and_zoomed_from_full_resolution_tiles(qtbot, win, tmp_path, photo) -> None:
    path = _big_photo(tmp_path, photo, 3000)
    _open(qtbot, win, path)
    win.set_layout("single")
    win.set_view("alpha")
    settle(qtbot, win)
    canvas = win.compare.panes[0].canvas
    pixmap = canvas.pixmap_item.pixmap()
    assert max(pixmap.width(), pixmap.height()) <= PROXY_SIDE  # a screen-sized level, never the 3000 px photo
    assert pixmap.width() >= canvas.zoom * 3000  # not smaller than the photo on screen
    canvas.set_zoom(2.0, QPointF(1500, 1000))
    qtbot.waitUntil(lambda: canvas.detail is not None, timeout=TIMEOUT)
    settle(qtbot, win)
    (x, y, w, h), step, _key = canvas.detail
    assert step == 1.0 and w < 1000  # photo pixels of the visible area only
    tile = canvas.detail_item.pixmap().toImage().convertToFormat(QImage.Format.Format_RGB888)
    got = np.frombuffer(tile.constBits(), np.uint8).reshape(tile.height(), tile.bytesPerLine())[:, : 3 * tile.width()]
    expected = np.round(win.doc.alpha[y : y + h, x : x + w] * 255).astype(np.uint8)
    assert np.array_equal(got.reshape(h, w, 3)[..., 0], expected)
    assert canvas.detail_item.transformationMode() == Qt.TransformationMode.FastTransformation  # pixel-exact


def test_region_pixels_match_the_full_size_view() -> None:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (60, 80, 3), np.uint8)
    alpha = rng.random((60, 80)).astype(np.float32)
    fg = rng.random((60, 80, 3)).astype(np.float32)
    for mode in ("alpha", "cutout", "black", "color", "checker"):
        full = compose_view(mode, rgb, alpha, fg, None, (10, 200, 30))
        part = region_pixels(mode, rgb, alpha, fg, None, 1.0, (13, 7, 40, 30), 1.0, (10, 200, 30))
        assert np.array_equal(part, full[7:37, 13:53]), mode


# ---------------------------------------------------------------- bug 1: Refine edges
def test_refine_edges_in_the_app_is_the_cli_refinement_and_keeps_sky_in_hair(qtbot, win, tmp_path) -> None:
    from matting.refine import refine_auto
    from tests.test_refine import _hair_over_sky

    rgb, truth, seed = _hair_over_sky(gap=False)
    path = tmp_path / "hair.png"
    Image.fromarray(rgb).save(path)
    _open(qtbot, win, path)
    win.doc.apply_refinement(seed)  # the soft matte a network gives for such hair
    with qtbot.waitSignal(win.refined, timeout=TIMEOUT):
        win.actions.refine_edges.trigger()
    out = win.doc.alpha
    assert np.array_equal(out, refine_auto(rgb, seed))  # exactly what `--refine-edges` computes
    low = (slice(850, 1100), slice(0, 190))
    assert out[low].mean() < 0.8  # the sky between the strands is not made solid


# ---------------------------------------------------------------- bug 2: three panes at 2 %
def test_three_panes_after_side_by_side_keep_the_fit(qtbot, win, cat) -> None:
    win.set_layout("side-by-side")
    _open(qtbot, win, cat)
    win.actions.layouts["three"].trigger()
    qtbot.wait(200)
    settle(qtbot, win)
    panes = win.compare.visible_panes
    assert len(panes) == 3
    for pane in panes:
        assert pane.canvas.zoom > 0.5, pane.canvas.zoom  # 226 x 150 px in a ~300 px pane: about 1.3
        assert pane.canvas.visible_image_rect(margin=0) == (0, 0, 226, 150)  # the whole photo in view
        assert pane.canvas.content_key is not None


# ---------------------------------------------------------------- bug 3: a later open wins
def test_opening_a_small_photo_right_after_a_big_one_ends_on_the_small_one(qtbot, win, tmp_path, photo, cat) -> None:
    big = _big_photo(tmp_path, photo, 4000)
    win.open_path(big)
    qtbot.wait(50)
    with qtbot.waitSignal(win.matteReady, timeout=TIMEOUT):
        win.open_path(cat)
    qtbot.waitUntil(lambda: not win.workers.running, timeout=TIMEOUT)
    settle(qtbot, win)
    assert win.doc.path == cat.resolve() and win.doc.alpha.shape == (150, 226)
    assert "cat.png" in win.windowTitle()


# ---------------------------------------------------------------- engine per call, recompute, bug 11
def test_a_setting_change_cancels_the_running_matte_and_recompute_runs_it(qtbot, win, cat) -> None:
    _open(qtbot, win, cat)
    first = win.doc.alpha
    assert "128 px" in win.matte_label.text()
    win.set_max_side(160)
    win.cancel_work()  # bug 11: the old matte stays and the window says so
    qtbot.waitUntil(lambda: not win.workers.is_running("matte"), timeout=TIMEOUT)
    assert win.doc.alpha is first
    assert "128 px" in win.matte_label.text() and "Recompute" in win.matte_label.text()
    with qtbot.waitSignal(win.matteReady, timeout=TIMEOUT):
        win.actions.recompute.trigger()
    assert win.doc.matte_info["max_side"] == 160
    assert "160 px" in win.matte_label.text() and "Recompute" not in win.matte_label.text()


def test_refiner_setting_is_offered_only_for_models_with_a_refiner(qtbot, win) -> None:
    qtbot.waitUntil(lambda: "loading" not in win.model_label.text(), timeout=TIMEOUT)
    assert not win.actions.refiner.isEnabled()  # the test model has no refiner


# ---------------------------------------------------------------- bug 4: batch output folder
def test_batch_checks_the_output_folder_and_outputs_before_starting(qtbot, win, tmp_path, photo) -> None:
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(photo).save(src / "a.jpg")
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    dlg = win.batch_dialog()
    dlg.indir.setText(str(src))
    dlg.outdir.setText(str(blocker / "out"))
    dlg.start()
    assert "cannot be created" in dlg.status.text() and str(blocker / "out") in dlg.status.text()
    assert dlg.start_button.isEnabled() and dlg.task is None and dlg.files.count() == 0
    assert win.settings.value("batch/outdir", "") != str(blocker / "out")  # not kept as the next default
    for box in dlg.outputs.values():  # bug 14: the nothing-ticked message in a designer's words
        box.setChecked(False)
    dlg.outdir.setText(str(tmp_path / "out"))
    dlg.start()
    assert dlg.status.text().startswith("Tick at least one thing to export")
    dlg.close()


# ---------------------------------------------------------------- bugs 5, 7, 12: the export dialog
def test_export_dialog_offers_only_what_the_format_holds(qtbot, tmp_path) -> None:
    source = tmp_path / "photo16.png"
    dlg = ExportDialog(source, 16, _settings(tmp_path))
    qtbot.addWidget(dlg)
    dlg.what.setCurrentIndex(dlg.what.findData("composite"))
    dlg.depth.setCurrentIndex(dlg.depth.findData(16))
    assert dlg.options().bit_depth == 16
    dlg.format.setCurrentIndex(dlg.format.findData("jpg"))  # bug 5
    assert not dlg.depth.isEnabled() and dlg.depth.currentData() == 8 and dlg.options().bit_depth == 8
    dlg.what.setCurrentIndex(dlg.what.findData("cutout"))  # bug 7: premultiplied only as TIFF
    dlg.format.setCurrentIndex(dlg.format.findData("png"))
    dlg.premultiplied.setChecked(True)
    assert not dlg.premultiplied.isEnabled() and not dlg.options().premultiplied
    dlg.format.setCurrentIndex(dlg.format.findData("tiff"))
    assert dlg.premultiplied.isEnabled() and dlg.options().premultiplied


def test_export_name_and_format_stay_in_step(qtbot, tmp_path) -> None:
    dlg = ExportDialog(tmp_path / "photo.jpg", 8, _settings(tmp_path))
    qtbot.addWidget(dlg)
    dlg.format.setCurrentIndex(dlg.format.findData("png"))
    dlg.path.setText(str(tmp_path / "portrait"))  # no extension: the format's
    dlg.accept()
    assert dlg.result() and dlg.target() == tmp_path / "portrait.png"
    dlg = ExportDialog(tmp_path / "photo.jpg", 8, _settings(tmp_path))
    qtbot.addWidget(dlg)
    dlg.what.setCurrentIndex(dlg.what.findData("cutout"))
    dlg.path.setText(str(tmp_path / "cut.jpg"))  # JPEG cannot hold a cutout: said in words, not saved
    dlg.accept()
    assert not dlg.result() and "JPEG has no transparency" in dlg.problem.text()
    dlg.what.setCurrentIndex(dlg.what.findData("composite"))
    dlg.path.setText(str(tmp_path / "flat.jpg"))  # typing .jpg chooses JPEG
    dlg.accept()
    assert dlg.result() and dlg.options().format == "jpg" and dlg.target().name == "flat.jpg"
    dlg = ExportDialog(tmp_path / "photo.jpg", 8, _settings(tmp_path))
    qtbot.addWidget(dlg)
    dlg.path.setText(str(tmp_path / "cut.tif"))
    dlg.follow_path()
    assert dlg.options().format == "tiff" and dlg.path.text().endswith("cut.tif")


def test_16_bit_photo_exported_as_jpeg(qtbot, win, tmp_path, photo) -> None:
    path = tmp_path / "deep.tif"
    tifffile.imwrite(path, photo[::2, ::2].astype(np.uint16) * 257, photometric="rgb")
    _open(qtbot, win, path)
    assert "16-bit" in win.size_label.text()
    with qtbot.waitSignal(win.exported, timeout=TIMEOUT):
        win.export_to(tmp_path / "flat.jpg", ExportOptions("composite", "jpg", 8))
    assert load_image(tmp_path / "flat.jpg").rgb.shape == (150, 226, 3)


# ---------------------------------------------------------------- bugs 6, 7, 8: what export writes
def test_export_keeps_dpi_and_exif_tags_premultiplied_and_drops_rgb_icc_from_alpha(qtbot, win, tmp_path, photo) -> None:
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0112] = 1
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    src = tmp_path / "camera.jpg"
    Image.fromarray(photo[::2, ::2]).save(src, dpi=(240, 240), exif=exif.tobytes(), icc_profile=icc, quality=95)
    _open(qtbot, win, src)
    targets = {"cut.png": ExportOptions("cutout", "png"), "alpha.png": ExportOptions("alpha", "png"),
               "pre.tif": ExportOptions("cutout", "tiff", 8, True)}
    for name, options in targets.items():
        with qtbot.waitSignal(win.exported, timeout=TIMEOUT):
            win.export_to(tmp_path / name, options)
    with Image.open(tmp_path / "cut.png") as im:
        assert round(float(im.info["dpi"][0])) == 240 and im.getexif().get(0x010F) == "TestCam"
        assert im.info.get("icc_profile") == icc
    with Image.open(tmp_path / "alpha.png") as im:
        assert im.mode == "L" and "icc_profile" not in im.info and round(float(im.info["dpi"][0])) == 240
    with tifffile.TiffFile(tmp_path / "pre.tif") as t:
        assert t.pages[0].tags["ExtraSamples"].value in (1, (1,))  # associated alpha
        assert t.pages[0].tags["Make"].value == "TestCam"


# ---------------------------------------------------------------- bug 9: keys
def test_plus_minus_zoom_and_both_redo_keys(qtbot, win, cat) -> None:
    _open(qtbot, win, cat)
    win.activateWindow()
    qtbot.waitUntil(lambda: win.isActiveWindow(), timeout=5000)
    canvas = win.compare.panes[0].canvas
    before = canvas.zoom
    QTest.keyClick(win, Qt.Key.Key_Plus)
    assert canvas.zoom == pytest.approx(before * 1.25)
    QTest.keyClick(win, Qt.Key.Key_Minus)
    QTest.keyClick(win, Qt.Key.Key_Minus)
    assert canvas.zoom == pytest.approx(before * 0.8)
    network = win.doc.alpha
    win.doc.apply_refinement(np.zeros_like(network))
    for redo_key in (("Ctrl+Shift+Z"), ("Ctrl+Y")):
        win.undo_action.trigger()
        assert win.doc.alpha is network
        QTest.keySequence(win, QKeySequence(redo_key))
        assert win.doc.alpha is not network, redo_key


# ---------------------------------------------------------------- bug 10: kept between runs
def test_view_choices_are_kept_between_runs_and_recent_paths_are_clean(qtbot, tmp_path, small_model_path, cat) -> None:
    settings = _settings(tmp_path)
    w = _window(qtbot, settings, small_model_path)
    w.loupe_zoom.setValue(9)
    w.background_panel.set_color(QColor(10, 120, 200))
    w.background_panel.blur.setValue(6)
    w.brush_panel.size.setValue(33)
    w.set_layout("three")
    w.set_pane_modes("alpha", "white", "cutout")
    w.resize(900, 650)
    odd = cat.parent / ".." / cat.parent.name / cat.name
    _open(qtbot, w, odd)
    w.close()
    _finish(w)
    again = _window(qtbot, settings, small_model_path)
    try:
        assert again.loupe_zoom.value() == 9 and again.brush_panel.size.value() == 33
        bg = again.background_panel.background()
        assert bg.kind == "color" and bg.color == (10, 120, 200) and again.background_panel.blur.value() == 6
        assert [p.mode for p in again.compare.visible_panes] == ["alpha", "white", "cutout"]
        assert again._recent()[0] == str(cat.resolve()) and ".." not in again._recent()[0]
    finally:
        _finish(again)


# ---------------------------------------------------------------- bug 13: a PNG with transparency
def test_a_png_with_transparency_offers_its_alpha_as_the_starting_matte(qtbot, win, tmp_path, photo) -> None:
    h, w = 150, 226
    yy, xx = np.mgrid[:h, :w]
    alpha = np.clip((60 - np.hypot(yy - 75, xx - 113)) / 8 + 0.5, 0, 1)
    a8 = np.round(alpha * 255).astype(np.uint8)
    path = tmp_path / "already_cut.png"
    Image.fromarray(np.dstack([photo[::2, ::2], a8])).save(path)
    with qtbot.waitSignal(win.matteReady, timeout=TIMEOUT):
        win.open_path(path)
    assert win.offer.isVisible() and win.actions.use_file_alpha.isEnabled()
    win.offer.accept_button.click()
    assert np.array_equal(np.round(win.doc.alpha * 255).astype(np.uint8), a8)
    assert not win.offer.isVisible() and "file's transparency" in win.matte_label.text()
    win.undo_action.trigger()  # the network's matte was there first: the choice is undoable
    assert not np.array_equal(np.round(win.doc.alpha * 255).astype(np.uint8), a8)
    with qtbot.waitSignal(win.matteReady, timeout=TIMEOUT):
        win.open_path(SAMPLES / "chelsea.jpg")
    assert not win.offer.isVisible() and not win.actions.use_file_alpha.isEnabled()


# ---------------------------------------------------------------- bug 14: brush cursor, checkerboard
def test_brush_cursor_has_the_brush_size(qtbot, win, cat) -> None:
    _open(qtbot, win, cat)
    canvas = win.compare.panes[0].canvas
    win.brush_panel.size.setValue(20)
    win.brush_panel.select("foreground")
    assert canvas.cursor_item.rect().width() == pytest.approx(40)  # scene (photo) pixels: scales with zoom
    QTest.mouseMove(canvas.viewport(), canvas.mapFromScene(QPointF(100, 70)))
    qtbot.waitUntil(lambda: canvas.cursor_item.isVisible(), timeout=5000)
    assert canvas.cursor_item.pos() == QPointF(100, 70) or (canvas.cursor_item.pos() - QPointF(100, 70)).manhattanLength() < 2


def _period(row: np.ndarray) -> int:
    """The usual length of the runs of equal pixels along a row (the first and last may be cut)."""
    change = np.nonzero(np.any(row[1:] != row[:-1], axis=1))[0]
    return int(np.median(np.diff(change)))


@pytest.mark.parametrize("zoom", [0.5, 1.0, 6.0])
def test_checkerboard_has_a_fixed_screen_size_at_any_zoom(qtbot, zoom) -> None:
    canvas = ImageCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    clear = QImage(300, 200, QImage.Format.Format_RGBA8888_Premultiplied)
    clear.fill(0)
    canvas.set_content_size(300, 200)
    canvas.set_picture(clear, ("cutout",), has_alpha=True)
    canvas.set_zoom(zoom, QPointF(150, 100))
    qtbot.wait(50)
    pixels = _grab(canvas)
    y, x = pixels.shape[0] // 2, pixels.shape[1] // 2
    assert _period(pixels[y, x - 60 : x + 60]) == CHECKER_SQUARE  # inside the photo at every zoom
