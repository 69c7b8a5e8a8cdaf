"""Export from the window: the dialog, then ``matting.output`` (the renderer batch export and the
CLI use too) in a worker, at full resolution, with the photo's ICC profile, DPI and EXIF, the
settings of the engine that made the matte and the document's edge settings (applied here, at full
resolution, as ``matting.edge_controls.apply_edge_settings``)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from matting.compose import Background
from matting.crop import parse_padding
from matting.edge_controls import EdgeSettings
from matting.output import OutputSpec, save_output
from matting.pipeline import Recipe, finish_matte, output_metadata
from matting.progress import check

from .dialogs.export import ExportDialog, ExportOptions
from .document import Document
from .workers import Workers


class ExportController(QObject):
    started = Signal(str)  # status text
    exported = Signal(str)  # path written
    failed = Signal(str)
    cancelled = Signal()  # nothing was written
    progress = Signal(float)

    def __init__(self, workers: Workers, settings: QSettings, background: Callable[[], Background],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.workers, self.settings, self.background = workers, settings, background

    def open_dialog(self, doc: Document | None, parent: QWidget | None = None, folder: Path | None = None) -> None:
        """The Export dialog; ``folder``: where it proposes to write (default: the last export's)."""
        if doc is None:
            self.failed.emit("Open a photo first (File > Open).")
            return
        if not doc.has_matte:
            self.failed.emit(f"{doc.path.name} has no matte yet: wait for it, or Recompute (F5) if it was cancelled.")
            return
        dlg = ExportDialog(doc.path, doc.image.bit_depth, self.settings, parent, folder)
        if dlg.exec():
            self.export(doc, dlg.target(), dlg.options())

    def spec(self, options: ExportOptions, edge: EdgeSettings = EdgeSettings()) -> OutputSpec:
        background = self.background()
        if options.what == "composite" and background.kind == "transparent":
            background = Background("color", (255, 255, 255))  # a composite is flat: white behind
        crop = parse_padding(options.crop) if options.crop else None
        return OutputSpec(options.what, options.format, options.bit_depth, options.premultiplied, background,
                          edge.decontaminate, crop, options.quality)

    def export(self, doc: Document, path: str | Path, options: ExportOptions) -> None:
        """Write ``doc``'s current matte as ``options`` says, in a worker, through the chain the
        CLI and batch use (``matting.pipeline``; the matte on screen is the user's, so the file's
        transparency is applied only as the document already did). Overwrites a file the dialog
        asked about, never the photo or the composite's background image."""
        try:
            spec = self.spec(options, doc.edge)
        except ValueError as exc:
            self.failed.emit(f"{path}: {exc}")
            return
        self.write(doc, [(Path(path), spec, {})])

    def write(self, doc: Document, targets: list[tuple[Path, OutputSpec, dict[str, str]]]) -> None:
        """Write ``doc``'s current matte, its edge settings applied once at full resolution, to
        each (path, spec, extra metadata) of ``targets``, in one worker; ``exported`` says the
        last path."""
        image, alpha, edge = doc.image, doc.alpha, doc.edge
        fg = doc.foreground if doc.foreground_matches(alpha) and not edge.changes_alpha else None
        recipe = Recipe("ignore", edge=edge)
        metadata = output_metadata(doc.matte_info, recipe)

        def job(progress, cancel):
            """In steps, each followed by a look at Cancel (Esc): a cancelled export writes nothing
            more."""
            final = finish_matte(image, alpha, recipe, progress=lambda f: progress(0.3 * f), cancel=cancel)
            written = None
            for i, (path, spec, extra) in enumerate(targets):
                check(cancel)
                inputs = [spec.background.image] if spec.background.kind == "image" else []
                written = save_output(path, image, final, spec, fg, metadata | extra, "overwrite", inputs, cancel=cancel)
                progress(0.3 + 0.7 * (i + 1) / len(targets))
            return written

        self.started.emit("Exporting…")
        self.workers.start(job, on_done=lambda p: self.exported.emit(str(p)), on_failed=self.failed.emit,
                           on_progress=self.progress.emit, on_cancelled=self.cancelled.emit, key="export")
