"""The screenshots of the edge-aware brushes (README, docs/app.md) and the batch review grid, made by driving
the real window (offscreen) with the mouse as a designer would:

    QT_QPA_PLATFORM=offscreen python scripts/screenshots_edge_brushes.py [--out docs/]

  * ``edge_brushes_painting.png``: a quick-selection stroke being painted on the astronaut (the
    live stroke and the brush-size cursor), the matte before it in the second pane;
  * ``edge_brushes_after.png``: after four quick-selection strokes (three over the suit, one on the wall),
    photo and cutout side by side;
  * ``batch_review.png``: the review grid after a batch of the sample photos.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from _event_loop import run_events, wait_until  # noqa: E402 (no processEvents loop: issue 29, item 15)
SAMPLES = ROOT / "resources" / "samples"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "docs")
    args = p.parse_args()
    from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp(prefix="msia-shots-"))

    def wait(condition, timeout=600.0) -> None:
        wait_until(condition, timeout)

    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, device="cpu", max_side=320)
    w.setProperty("quiet_errors", True)
    w.resize(1400, 760)
    w.show()
    w.set_layout("side-by-side")
    w.set_pane_modes("original", "alpha")
    ready = {"fg": False, "applied": 0}
    w.foregroundReady.connect(lambda: ready.__setitem__("fg", True))
    w.edge_brushes.applied.connect(lambda _k: ready.__setitem__("applied", ready["applied"] + 1))
    w.open_path(SAMPLES / "astronaut.jpg")
    wait(lambda: ready["fg"] and not w.display_busy())
    canvas = w.compare.panes[0].canvas
    vp = canvas.viewport()

    def stroke(kind: str, radius: int, points, release: bool = True) -> None:
        w.brush_panel.size.setValue(radius)
        w.brush_panel.select(kind)
        pts = [canvas.mapFromScene(QPointF(x, y)) for x, y in points]
        QTest.mouseMove(vp, pts[0])
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
        for a, b in zip(pts, pts[1:]):
            for i in range(1, 11):
                t = i / 10
                QTest.mouseMove(vp, QPoint(round(a.x() + t * (b.x() - a.x())), round(a.y() + t * (b.y() - a.y()))))
                run_events(0.005)
        if release:
            n = ready["applied"]
            QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
            wait(lambda: ready["applied"] > n and not w.edge_brushes.busy and not w.display_busy())

    args.out.mkdir(parents=True, exist_ok=True)
    suit = [(120, 330), (170, 300), (200, 300)]
    stroke("quick_add", 10, suit, release=False)
    run_events(0.005)
    w.grab().save(str(args.out / "edge_brushes_painting.png"))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas.mapFromScene(QPointF(*suit[-1])))
    wait(lambda: ready["applied"] > 0 and not w.edge_brushes.busy and not w.display_busy())
    stroke("quick_add", 10, [(45, 360), (60, 470)])  # the arm
    stroke("quick_add", 10, [(310, 330), (340, 420)])  # her left side
    stroke("quick_remove", 10, [(300, 60), (330, 110)])  # the wall
    w.brush_panel.select(None)
    w.set_pane_modes("original", "cutout")
    w.background_panel.set_color(__import__("PySide6.QtGui", fromlist=["QColor"]).QColor("#3a7bd5"))
    wait(lambda: not w.display_busy())
    time.sleep(0.3)
    wait(lambda: not w.display_busy())
    w.grab().save(str(args.out / "edge_brushes_after.png"))

    # the batch review grid
    src = tmp / "in"
    src.mkdir()
    from PIL import Image

    for name in ("astronaut.jpg", "chelsea.jpg", "coffee.jpg"):
        with Image.open(SAMPLES / name) as im:
            im.save(src / name, quality=95)
    dlg = w.batch_dialog()
    dlg.indir.setText(str(src))
    dlg.outdir.setText(str(tmp / "out"))
    for kind, box in dlg.outputs.items():
        box.setChecked(kind == "cutout")
    dlg.format.setCurrentText("png")
    done = {"v": False}
    dlg.finished_report.connect(lambda _r: done.__setitem__("v", True))
    dlg.start()
    wait(lambda: done["v"])
    grid = dlg.review
    wait(lambda: grid.thumbnails_done == grid.grid.count())
    grid.grid.setCurrentRow(0)
    grid.accept_selected()
    grid.resize(760, 330)
    run_events(0.005)
    grid.grab().save(str(args.out / "batch_review.png"))
    for name in ("edge_brushes_painting.png", "edge_brushes_after.png", "batch_review.png"):
        print(f"wrote {args.out / name}")
    w.workers.cancel_all()
    w.workers.wait(30000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
