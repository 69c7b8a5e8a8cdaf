"""Start the app: ``msia-matte-gui [IMAGE] [--model PATH] [--device D] [--max-side N]``, or take a
screenshot and exit: ``--screenshot OUT.png [--view side-by-side|alpha|cutout|overlay|onion|band|...]
[--background C] [--edge radius=8,feather=2] [--opacity 0.5]``."""
from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="msia-matte-gui", description=__doc__)
    p.add_argument("image", nargs="?", type=Path)
    p.add_argument("--model", help="model file; default: the installed model")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"))
    p.add_argument("--max-side", type=int)
    p.add_argument("--screenshot", type=Path, help="render, save a screenshot of the window, exit")
    p.add_argument("--view", default="side-by-side", choices=("side-by-side", "alpha", "cutout", "three", *("black", "white", "checker"),
                                                              *("overlay", "onion", "band")))
    p.add_argument("--edge", help="edge controls for the screenshot, e.g. radius=8,feather=2 (as the CLI's --edge)")
    p.add_argument("--opacity", type=float, help="overlay / onion-skin opacity, 0..1")
    p.add_argument("--background", help="colour (#RRGGBB, name), 'blur', or an image file for the cutout view")
    return p.parse_args(argv)


def install_excepthook(window_getter) -> None:
    """No traceback ever reaches the user: show a dialog, keep the trace on stderr."""
    def hook(kind, value, tb):
        traceback.print_exception(kind, value, tb)
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(window_getter(), "MSIA Matte", f"Something went wrong: {value}")
    sys.excepthook = hook


def apply_view(window, view: str, background: str | None) -> None:
    from PySide6.QtGui import QColor

    from matting.compose import Background

    if background:
        bg = Background.parse(background)
        panel = window.background_panel
        if bg.kind == "color":
            panel.set_color(QColor(*bg.color))
        elif bg.kind == "image":
            panel.set_image(str(bg.image))
        else:
            panel.buttons[bg.kind].setChecked(True)
    if view in ("side-by-side", "three"):
        window.set_layout(view)
    else:
        window.set_layout("single")
        window.set_view(view)


def start(image: Path | None = None, model: str | None = None, device: str | None = None,
          max_side: int | None = None, settings=None):
    """(app, window): the window shown, ``image`` being opened, ready for ``app.exec()``.

    The solvers' warm-up (numba, pymatting, scikit-image: ~1.5 s of imports and loading that hold
    Python's lock in long stretches) runs first, on this thread, before the window and its
    workers exist: run from a worker it stalled the event loop for 180-360 ms at a time beside the
    first matte, and run here beside the photo's and the model's loading it took 5 s instead of
    1.5 (bench/startup_gaps.py)."""
    from PySide6.QtWidgets import QApplication

    from .engine_holder import warm_up_solvers
    from .main_window import MainWindow
    from .style import apply_style

    warm_up_solvers()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("MSIA Matte")
    app.setOrganizationName("MSIA Matte")
    apply_style(app)
    window = MainWindow(settings=settings, model=model, device=device, max_side=max_side)
    install_excepthook(lambda: window)
    if image:
        window.open_path(image)
    window.show()
    return app, window


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.screenshot:
        from PySide6.QtWidgets import QApplication

        from .main_window import MainWindow
        from .style import apply_style

        app = QApplication.instance() or QApplication(sys.argv[:1])
        apply_style(app)
        window = MainWindow(model=args.model, device=args.device, max_side=args.max_side)
        install_excepthook(lambda: window)
        return screenshot(app, window, args)
    app, _window = start(args.image, args.model, args.device, args.max_side)
    return app.exec()


def screenshot(app, window, args: argparse.Namespace) -> int:
    """Open, compute, render the chosen view, grab the whole window, exit 0 (1 on failure)."""
    from PySide6.QtCore import QTimer

    if not args.image:
        print("error: --screenshot needs an IMAGE", file=sys.stderr)
        return 2
    status = {"code": 0}
    window.setProperty("quiet_errors", True)

    def fail(message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        status["code"] = 1
        app.quit()

    def shoot() -> None:
        apply_view(window, args.view, args.background)
        if args.opacity is not None:
            window.edge_panel.opacity.setValue(round(100 * args.opacity))
        if args.edge:
            from matting.edge_controls import EdgeSettings

            window.edge_panel.set_settings(EdgeSettings.parse(args.edge), commit=True)
        window.compare.fit()
        QTimer.singleShot(300, grab_when_drawn)

    def grab_when_drawn() -> None:
        if window.display_busy():  # the views are rendered in workers
            QTimer.singleShot(50, grab_when_drawn)
            return
        grab()

    def grab() -> None:
        args.screenshot.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(args.screenshot)):
            fail(f"{args.screenshot}: cannot write screenshot")
            return
        print(f"wrote {args.screenshot}")
        app.quit()

    window.failed.connect(fail)
    window.foregroundReady.connect(lambda: QTimer.singleShot(100, shoot))
    window.show()
    window.open_path(args.image)
    QTimer.singleShot(600_000, lambda: fail("timed out"))
    app.exec()
    return status["code"]


if __name__ == "__main__":
    raise SystemExit(main())
