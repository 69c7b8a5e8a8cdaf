"""Is the app usable on a photographer's photo? Drives the real window (offscreen) on a 24 MP photo
and prints, per step, the longest time the GUI thread did not answer a 10 ms heartbeat timer,
the time until the matte is shown against the CLI's time for the same photo (load + predict in
one process, the engine already loaded), and the process's peak memory.

    QT_QPA_PLATFORM=offscreen python bench/app_responsiveness.py [--photo PATH] [--megapixels 24]
        [--skip STEP ...] [--json OUT]

The 24 MP test photo is made here by upscaling a real photo (default: a pseudo-GT portrait of
../shared/data, else resources/samples/astronaut.jpg) into a temporary folder; it is not kept.

Targets (issue 12): no block longer than 100 ms; matte shown within 1.5x the CLI's time; peak
memory at most 2.5 GB. Figures measured with this script are in docs/benchmarks.md, "App responsiveness".
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import _event_loop  # noqa: E402 (after the path)

DEFAULT_SOURCES = (ROOT.parent / "shared/data/pseudo_gt/images/p3m_p_015cd10e.jpg", ROOT / "resources/samples/astronaut.jpg")
STEPS = ("open", "matte", "foreground", "views", "panes", "zoom", "pan", "backgrounds", "blur")


def make_photo(source: Path, megapixels: float, folder: Path) -> Path:
    """``source`` upscaled (bicubic) to ``megapixels`` with its aspect kept, as a JPEG."""
    import cv2

    from matting.imageio import load_image, save_image

    rgb = load_image(source).rgb
    h, w = rgb.shape[:2]
    s = (megapixels * 1e6 / (h * w)) ** 0.5
    big = cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_CUBIC)
    return save_image(folder / f"big_{big.shape[1]}x{big.shape[0]}.jpg", big, quality=92)


class Heartbeat:
    """A 10 ms timer on the GUI thread; ``worst()`` is the longest gap between ticks since
    ``reset()`` (a gap is how long the GUI thread could not answer)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.reset()
        self.timer.start()

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.gap = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gap = max(self.gap, now - self.last)
        self.last = now

    def worst(self) -> float:
        self._tick()  # the time since the last tick counts too
        return self.gap


def wait_until(_app, condition, timeout: float) -> bool:
    """Run the event loop until ``condition()`` holds or ``timeout`` s pass (``_event_loop``:
    no ``processEvents`` loop, which leaks in PySide6 6.12.0)."""
    return _event_loop.wait_until(condition, timeout)


def settled(window) -> bool:
    """The views show the current state (the new app says so; the old one drew synchronously)."""
    busy = getattr(window, "display_busy", None)
    return not busy() if busy is not None else True


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photo", type=Path, help="use this photo as it is (no upscaling)")
    p.add_argument("--source", type=Path, help="photo to upscale (default: a pseudo-GT portrait)")
    p.add_argument("--megapixels", type=float, default=24.0)
    p.add_argument("--skip", nargs="*", default=[], choices=STEPS)
    p.add_argument("--json", type=Path)
    args = p.parse_args()

    from PySide6.QtGui import QColor

    tmp = Path(tempfile.mkdtemp(prefix="msia-bench-"))
    if args.photo:
        photo = args.photo
    else:
        source = args.source or next(s for s in DEFAULT_SOURCES if s.is_file())
        photo = make_photo(source, args.megapixels, tmp)
    rows: list[tuple[str, float, str]] = []

    def row(step: str, seconds: float, note: str = "") -> None:
        rows.append((step, seconds, note))
        print(f"{step:28s} {seconds * 1000:9.0f} ms  {note}", flush=True)

    # the CLI's time for the same photo: load + predict with the engine loaded, as `msia-matte`
    # does per file; in a separate process so that the peak memory below is the app's alone
    code = ("import sys, time; from matting.engine import MattingEngine; from matting.imageio import load_image; "
            "e = MattingEngine(device='cpu'); t = time.perf_counter(); im = load_image(sys.argv[1]); e.predict(im.rgb); "
            "print(time.perf_counter() - t, *im.size)")
    out = subprocess.run([sys.executable, "-c", code, str(photo)], check=True, capture_output=True, text=True, cwd=ROOT)
    cli_seconds, w, h = (float(v) for v in out.stdout.split()[-3:])
    w, h = int(w), int(h)
    print(f"photo {photo.name}: {w}x{h} ({w * h / 1e6:.1f} MP); CLI load+predict {cli_seconds:.2f} s", flush=True)

    app, window = open_window(tmp)
    beat = Heartbeat()
    wait_until(app, lambda: "loading" not in window.model_label.text(), 120)
    state = {"matte": False, "fg": False}
    window.matteReady.connect(lambda: state.__setitem__("matte", True))
    window.foregroundReady.connect(lambda: state.__setitem__("fg", True))

    def step(name: str, action, done=lambda: True, timeout: float = 900.0) -> float:
        beat.reset()
        t0 = time.perf_counter()
        action()
        ok = wait_until(app, lambda: done() and settled(window), timeout)
        elapsed = time.perf_counter() - t0
        row(f"{name} (longest block)", beat.worst(), f"step took {elapsed:.2f} s" + ("" if ok else " TIMED OUT"))
        return elapsed

    panes = window.compare.panes
    if "open" not in args.skip:
        t0 = time.perf_counter()
        beat.reset()
        window.open_path(photo)
        wait_until(app, lambda: window.doc is not None and settled(window), 300)
        row("open (longest block)", beat.worst(), f"photo shown after {time.perf_counter() - t0:.2f} s")
        wait_until(app, lambda: state["matte"] and settled(window), 900)
        matte_seconds = time.perf_counter() - t0
        row("matte (longest block)", beat.worst(),
            f"matte shown after {matte_seconds:.2f} s = {matte_seconds / cli_seconds:.2f}x the CLI's {cli_seconds:.2f} s")
        beat.reset()
        wait_until(app, lambda: state["fg"] and settled(window), 900)
        row("foreground (longest block)", beat.worst(), f"edge colours after {time.perf_counter() - t0:.2f} s")
    modes = ("original", "alpha", "cutout", "black", "white", "checker", "color")
    if "views" not in args.skip:
        for mode in modes:
            step(f"view {mode}", lambda m=mode: window.set_view(m))
    if "panes" not in args.skip:
        for layout in ("single", "side-by-side", "three", "side-by-side"):
            step(f"panes {layout}", lambda k=layout: window.set_layout(k))
    canvas = panes[0].canvas
    if "zoom" not in args.skip:
        for zoom in (0.5, 1.0, 4.0):
            step(f"zoom {zoom * 100:.0f} %", lambda z=zoom: canvas.set_zoom(z, canvas.center()))
    if "pan" not in args.skip:
        bar = canvas.horizontalScrollBar()
        step("pan (20 drags of 40 px)", lambda: [bar.setValue(bar.value() + 40) or _event_loop.run_events(0.001) for _ in range(20)])
        step("zoom fit", canvas.fit)
    panel = window.background_panel
    if "backgrounds" not in args.skip:
        window.set_view("cutout")
        step("background colour", lambda: panel.set_color(QColor(40, 120, 200)))
        step("background image", lambda: panel.set_image(str(ROOT / "resources/samples/coffee.jpg")))
        step("background transparent", lambda: panel.buttons["transparent"].setChecked(True))
    if "blur" not in args.skip:
        window.set_view("cutout")
        step("background blur", lambda: panel.buttons["blur"].setChecked(True))
        step("blur radius 5 %", lambda: panel.blur.setValue(5))
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    worst = max(r[1] for r in rows)
    print(f"\nlongest GUI-thread block overall: {worst * 1000:.0f} ms (target <= 100 ms)")
    print(f"peak memory (max RSS of the process): {peak_gb:.2f} GB (target <= 2.5 GB)")
    if args.json:
        args.json.write_text(json.dumps({"photo": str(photo), "size": [w, h], "cli_seconds": cli_seconds,
                                         "rows": rows, "peak_gb": peak_gb}, indent=1))
    close(window, tmp)
    return 0


def open_window(tmp: Path, model: str | None = None):
    """(app, window): the real window (``model``: default the shipped one), 1600 x 1000, settings
    kept in ``tmp``, errors in the status bar."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow(settings=QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat), model=model,
                        device="cpu")
    window.setProperty("quiet_errors", True)
    window.resize(1600, 1000)
    window.show()
    return app, window


def open_photo_window(photo: Path | None, megapixels: float, prefix: str, model: str | None = None):
    """(tmp, photo, app, window) for a window bench: ``photo`` as it is, else the first
    ``DEFAULT_SOURCES`` photo upscaled to ``megapixels`` in a new temporary folder; the window
    shows one pane in the cutout view."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    photo = photo or make_photo(next(s for s in DEFAULT_SOURCES if s.is_file()), megapixels, tmp)
    app, window = open_window(tmp, model)
    window.set_layout("single")
    window.set_view("cutout")
    return tmp, photo, app, window


def open_and_wait(app, window, photo: Path) -> None:
    """Wait for the model, open ``photo`` and wait until its matte and edge colours are shown."""
    wait_until(app, lambda: "loading" not in window.model_label.text(), 300)
    ready = {"fg": False}
    window.foregroundReady.connect(lambda: ready.__setitem__("fg", True))
    window.open_path(photo)
    wait_until(app, lambda: ready["fg"] and settled(window), 1800)


def close(window, tmp: Path) -> None:
    """Stop the window's workers and remove the temporary folder (the photo made for the bench)."""
    window.workers.cancel_all()
    window.workers.wait(30000)
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()


if __name__ == "__main__":
    raise SystemExit(main())
