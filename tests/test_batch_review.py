"""Batch options chosen in the dialog (background, JPEG quality, bit depth) and the review grid after
a batch, driven through the real window (pytest-qt, offscreen) on real photos: files are written,
read back and checked; thumbnails are made from what was written; accepting is kept on disk;
opening an image puts it in the main window."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.dialogs.review_grid import REVIEW_FILE, ReviewGrid
from matting.batch import BatchOptions
from matting.imageio import read_metadata
from matting.output import OutputSpec

from .test_app import TIMEOUT
from .test_app_display import win  # noqa: F401 (the window fixture)

SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture()
def photos(tmp_path) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    for name in ("chelsea.jpg", "coffee.jpg", "astronaut.jpg"):
        with Image.open(SAMPLES / name) as im:
            im.reduce(2).save(src / name, quality=95)
    return src


def _dialog(win, photos: Path, outputs: tuple[str, ...], fmt: str):
    """The batch dialog with ``photos`` as input, only ``outputs`` ticked, in ``fmt``."""
    dlg = win.batch_dialog()
    dlg.indir.setText(str(photos))
    for kind, box in dlg.outputs.items():
        box.setChecked(kind in outputs)
    dlg.format.setCurrentText(fmt)
    return dlg


def _run(qtbot, dlg, outdir: Path):
    dlg.outdir.setText(str(outdir))
    with qtbot.waitSignal(dlg.finished_report, timeout=TIMEOUT) as done:
        dlg.start()
    return done.args[0]


def _choose(box, data) -> None:
    box.setCurrentIndex(box.findData(data))


def test_jpeg_quality_and_background_are_chosen_in_the_dialog(qtbot, win, photos, tmp_path) -> None:
    dlg = _dialog(win, photos, ("composite",), "jpg")
    assert dlg.quality.isEnabled() and not dlg.bit_depth.isEnabled()  # only what JPEG uses
    _choose(dlg.background_box, "#000000")
    sizes = {}
    for quality in (40, 95):
        dlg.quality.setValue(quality)
        report = _run(qtbot, dlg, tmp_path / f"q{quality}")
        dlg.review.close()
        assert report.count("ok") == 3
        sizes[quality] = 0
        for r in report.results:
            out = Path(r.outputs[0])
            with Image.open(out) as im:
                assert im.format == "JPEG" and im.mode == "RGB"
                meta = json.loads(im.info["comment"])  # the settings, as JSON
                assert meta["background"] == "#000000" and meta["quality"] == str(quality)
                tables = np.mean([np.mean(t) for t in im.quantization.values()])
            sizes[quality] += out.stat().st_size
        sizes[f"table{quality}"] = tables
    assert sizes[40] < 0.7 * sizes[95] and sizes["table40"] > 2 * sizes["table95"]
    assert win.settings.value("batch/quality") in (95, "95") and win.settings.value("batch/background") == "#000000"


def test_bit_depth_is_chosen_in_the_dialog_and_written(qtbot, win, photos, tmp_path) -> None:
    dlg = _dialog(win, photos, ("cutout", "alpha"), "png")
    assert dlg.bit_depth.isEnabled() and not dlg.quality.isEnabled() and not dlg.background_box.isEnabled()
    _choose(dlg.bit_depth, 16)
    report = _run(qtbot, dlg, tmp_path / "out16")
    for r in report.results:
        for out in r.outputs:
            assert Path(out).read_bytes()[24] == 16  # the PNG header's bit depth (Pillow reads RGBA 16 as 8)
            if out.endswith("_alpha.png"):
                with Image.open(out) as im:
                    assert np.asarray(im).dtype == np.uint16
    dlg.review.close()
    _choose(dlg.bit_depth, 8)
    report = _run(qtbot, dlg, tmp_path / "out8")
    assert all(Path(o).read_bytes()[24] == 8 for r in report.results for o in r.outputs)


def test_options_refuse_what_a_format_cannot_hold() -> None:
    with pytest.raises(ValueError, match="quality"):
        OutputSpec("composite", "jpg", quality=0)
    assert BatchOptions(("cutout",), "tiff", bit_depth=16).spec("cutout").depth_for(8) == 16
    assert BatchOptions(("composite",), "jpg", quality=70).spec("composite").quality == 70


def test_review_grid_accepts_and_opens_images_for_editing(qtbot, win, photos, tmp_path) -> None:
    dlg = _dialog(win, photos, ("cutout",), "png")
    report = _run(qtbot, dlg, tmp_path / "out")
    grid = dlg.review
    assert isinstance(grid, ReviewGrid) and grid.isVisible()  # opens by itself after the batch
    qtbot.waitUntil(lambda: grid.thumbnails_done == 3, timeout=TIMEOUT)
    assert grid.grid.count() == 3 and "0 accepted, 3 to review" in grid.summary.text()
    first = grid.grid.item(0)
    assert not first.icon().pixmap(64, 64).isNull()
    grid.grid.setCurrentRow(0)
    first.setSelected(True)
    QTest.mouseClick(grid.accept_button, Qt.MouseButton.LeftButton)
    accepted = json.loads((tmp_path / "out" / REVIEW_FILE).read_text())["accepted"]
    assert accepted == [report.results[0].input] and first.text().startswith("✓")
    assert grid.grid.currentRow() == 1  # on to the next image to review
    with qtbot.waitSignal(win.matteReady, timeout=TIMEOUT):
        QTest.mouseClick(grid.open_button, Qt.MouseButton.LeftButton)
    assert win.doc.path == Path(report.results[1].input)
    again = dlg.open_review()  # the review is kept in the output folder
    assert "1 accepted, 2 to review" in again.summary.text()


def test_the_cli_batch_takes_the_same_bit_depth_and_quality(tmp_path, photos, small_model_path) -> None:
    from .test_cli import cli

    r = cli("batch", str(photos), str(tmp_path / "a16"), "--outputs", "alpha", "--bit-depth", "16",
            "--model", str(small_model_path), "--quiet")
    assert r.returncode == 0, r.stderr
    assert all(np.asarray(Image.open(p)).dtype == np.uint16 for p in (tmp_path / "a16").glob("*_alpha.png"))
    r = cli("batch", str(photos), str(tmp_path / "j"), "--outputs", "composite", "--format", "jpg", "--quality", "30",
            "--model", str(small_model_path), "--quiet")
    assert r.returncode == 0, r.stderr
    assert all(read_metadata(p)["quality"] == "30" for p in (tmp_path / "j").glob("*.jpg"))
    r = cli("batch", str(photos), str(tmp_path / "bad"), "--format", "jpg", "--outputs", "composite", "--quality", "0")
    assert r.returncode == 2 and "quality" in r.stderr


def test_a_photo_fixed_from_the_review_goes_back_to_its_batch_output(qtbot, win, photos, tmp_path) -> None:
    """Issue 29, item 13: "Open for editing", fix the matte, save: the batch's own output file is
    written again (not the last export folder) and the grid's thumbnail follows; the selection is a
    frame, the thumbnail judged is not tinted."""
    from app.dialogs.review_grid import SELECTION_STYLE

    out = tmp_path / "out"
    dlg = _dialog(win, photos, ("cutout", "alpha"), "png")
    report = _run(qtbot, dlg, out)
    grid = dlg.review
    qtbot.waitUntil(lambda: grid.thumbnails_done == 3, timeout=TIMEOUT)
    assert grid.grid.styleSheet() == SELECTION_STYLE
    row = next(i for i in range(3) if Path(grid.grid.item(i).data(Qt.ItemDataRole.UserRole)).name == "coffee.jpg")
    item = grid.grid.item(row)
    icon = item.icon()
    assert icon.pixmap(64, 64, icon.Mode.Selected).toImage() == icon.pixmap(64, 64, icon.Mode.Normal).toImage()
    grid.grid.setCurrentRow(row)
    with qtbot.waitSignal(win.matteReady, timeout=TIMEOUT):
        QTest.mouseClick(grid.open_button, Qt.MouseButton.LeftButton)
    result = next(r for r in report.results if Path(r.input).name == "coffee.jpg")
    assert win.doc.path == Path(result.input) and win.batch_bar.isVisible()
    before = item.data(Qt.ItemDataRole.UserRole + 1).toImage()
    win.doc.apply_refinement(np.zeros_like(win.doc.alpha))  # the fix: (here) nothing is the subject
    with qtbot.waitSignal(win.batchOutputSaved, timeout=TIMEOUT):
        QTest.mouseClick(win.batch_bar.accept_button, Qt.MouseButton.LeftButton)
    alpha_file = next(Path(o) for o in result.outputs if o.endswith("_alpha.png"))
    cutout_file = next(Path(o) for o in result.outputs if o.endswith("_cutout.png"))
    assert np.asarray(Image.open(alpha_file)).max() == 0
    assert np.asarray(Image.open(cutout_file))[..., 3].max() == 0
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".png") == sorted(
        Path(o).name for r in report.results for o in r.outputs)  # nothing written beside them
    qtbot.waitUntil(lambda: item.data(Qt.ItemDataRole.UserRole + 1) is not None
                    and item.data(Qt.ItemDataRole.UserRole + 1).toImage() != before, timeout=TIMEOUT)
    # and Export proposes the batch's folder, not the last export folder
    win.settings.setValue("export/folder", str(tmp_path / "elsewhere"))
    from .test_app_walkthrough import read_modal

    assert read_modal(win.actions.export.trigger, lambda dlg: Path(dlg.path.text())).parent == out
