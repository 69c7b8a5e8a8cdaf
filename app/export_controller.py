"""Export from the window: the dialog, then ``matting.output`` (the renderer batch export and the
CLI use too) in a worker, at full resolution, with the photo's ICC profile, DPI and EXIF and the
settings of the engine that made the matte."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from matting.compose import Background
from matting.output import OutputSpec, save_output

from .dialogs.export import ExportDialog, ExportOptions
from .document import Document
from .workers import Workers


class ExportController(QObject):
    started = Signal(str)  # status text
    exported = Signal(str)  # path written
    failed = Signal(str)

    def __init__(self, workers: Workers, settings: QSettings, background: Callable[[], Background],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.workers, self.settings, self.background = workers, settings, background

    def open_dialog(self, doc: Document | None, parent: QWidget | None = None) -> None:
        if doc is None or not doc.has_matte:
            self.failed.emit("Open a photo and wait for its matte before exporting.")
            return
        dlg = ExportDialog(doc.path, doc.image.bit_depth, self.settings, parent)
        if dlg.exec():
            self.export(doc, dlg.target(), dlg.options())

    def spec(self, options: ExportOptions) -> OutputSpec:
        background = self.background()
        if options.what == "composite" and background.kind == "transparent":
            background = Background("color", (255, 255, 255))  # a composite is flat: white behind
        return OutputSpec(options.what, options.format, options.bit_depth, options.premultiplied, background)

    def export(self, doc: Document, path: str | Path, options: ExportOptions) -> None:
        """Write ``doc``'s current matte as ``options`` says, in a worker. Overwrites: the dialog
        has already asked."""
        try:
            spec = self.spec(options)
        except ValueError as exc:
            self.failed.emit(f"{path}: {exc}")
            return
        image, alpha = doc.image, doc.alpha
        fg = doc.foreground if doc.foreground_matches(alpha) else None
        metadata = {k: str(v) for k, v in doc.matte_info.items() if k != "path"} | {"software": "MSIA Matte"}
        self.started.emit("Exporting…")
        self.workers.start(lambda _p, _c: save_output(path, image, alpha, spec, fg, metadata, "overwrite"),
                           on_done=lambda p: self.exported.emit(str(p)), on_failed=self.failed.emit, key="export")
