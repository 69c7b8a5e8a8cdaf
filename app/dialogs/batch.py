"""Batch export dialog: input and output folders and the same options as ``msia-matte batch``,
run in the background with a progress bar, a per-file status list, cancel, and the report; the
background of composites, the bit depth (PNG, TIFF) and the JPEG quality are chosen here, and after
the batch a review grid (review_grid.py) shows what it wrote.
Everything that would make every file fail (no output ticked, no input folder, an output folder
that cannot be created or written) is checked and said in words before anything starts; the
settings are kept only for a batch that started."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QColorDialog, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QProgressBar, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

import qtawesome as qta

from matting.batch import OUTPUT_KINDS, BatchOptions, BatchReport, plan_batch, run_batch
from matting.compose import Background
from matting.errors import MattingError

from ..workers import Workers
from .review_grid import ReviewGrid

BIT_DEPTHS = (("Same as the photo", None), ("8-bit", 8), ("16-bit", 16))
BACKGROUNDS = (("As in the window", "window"), ("White", "#ffffff"), ("Black", "#000000"), ("Colour…", "color"),
               ("Blurred photo", "blur"), ("Image…", "image"))


class _Relay(QObject):
    fileDone = Signal(int, int, object)


class BatchDialog(QDialog):
    finished_report = Signal(object)  # BatchReport
    openRequested = Signal(str)  # a photo to edit in the main window (from the review grid)
    editRequested = Signal(object)  # the same as a review_grid.BatchReturn (where the batch wrote it)

    def __init__(self, make_engine, background: Background, settings: QSettings, workers: Workers,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Batch export")
        self.resize(640, 520)
        self.make_engine, self.background, self.settings, self.workers = make_engine, background, settings, workers
        self.task = None
        self.report: BatchReport | None = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.indir, self.outdir = QLineEdit(settings.value("batch/indir", "")), QLineEdit(settings.value("batch/outdir", ""))
        form.addRow("Input folder", self._with_browse(self.indir))
        form.addRow("Output folder", self._with_browse(self.outdir))
        self.recursive = QCheckBox("Include subfolders (mirrored in the output)")
        self.recursive.setChecked(settings.value("batch/recursive", "false") in (True, "true"))
        form.addRow("", self.recursive)
        outs = QHBoxLayout()
        chosen = str(settings.value("batch/outputs", "cutout")).split(",")
        self.outputs = {k: QCheckBox(k) for k in OUTPUT_KINDS}
        for k, box in self.outputs.items():
            box.setChecked(k in chosen)
            outs.addWidget(box)
        form.addRow("Outputs", outs)
        self.format = QComboBox()
        self.format.addItems(["png", "tiff", "webp", "jpg"])
        self.format.setCurrentText(settings.value("batch/format", "png"))
        self.format.setToolTip("jpg: composites only (JPEG holds no transparency)")
        form.addRow("Format", self.format)
        self.bit_depth = QComboBox()
        for label, depth in BIT_DEPTHS:
            self.bit_depth.addItem(label, depth)
        self.bit_depth.setCurrentIndex(max(0, self.bit_depth.findText(str(settings.value("batch/bit_depth", BIT_DEPTHS[0][0])))))
        self.bit_depth.setToolTip("PNG and TIFF hold 16 bits; WebP and JPEG are 8-bit")
        form.addRow("Bit depth", self.bit_depth)
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setValue(int(settings.value("batch/quality", 95)))
        self.quality.setToolTip("JPEG quality (1-100); the other formats are lossless")
        form.addRow("JPEG quality", self.quality)
        self.background_box = QComboBox()
        for label, key in BACKGROUNDS:
            self.background_box.addItem(label, key)
        self.custom_color = QColor(str(settings.value("batch/background_color", "#3a7bd5")))
        self.background_image = str(settings.value("batch/background_image", ""))
        self.background_box.setCurrentIndex(max(0, self.background_box.findData(settings.value("batch/background", "window"))))
        self.background_box.activated.connect(self._background_chosen)
        self.background_label = QLabel()
        form.addRow("Composite background", self._row(self.background_box, self.background_label))
        self.format.currentTextChanged.connect(lambda _t: self._update_enabled())
        for box in self.outputs.values():
            box.toggled.connect(lambda _c: self._update_enabled())
        self.on_exists = QComboBox()
        self.on_exists.addItems(["skip", "overwrite", "number"])
        self.on_exists.setCurrentText(settings.value("batch/on_exists", "skip"))
        self.on_exists.setToolTip("skip: resume an interrupted batch; number: keep both")
        form.addRow("If an output exists", self.on_exists)
        self.refine_edges = QCheckBox("Refine edges (closed-form on the soft edge; slower)")
        self.refine_edges.setChecked(settings.value("batch/refine_edges", "false") in (True, "true"))
        form.addRow("", self.refine_edges)
        layout.addLayout(form)
        self.progress = QProgressBar()
        self.status = QLabel("")
        self.files = QListWidget()
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.files, 1)
        buttons = QHBoxLayout()
        self.start_button = QPushButton(qta.icon("mdi.play"), "Start")
        self.cancel_button = QPushButton(qta.icon("mdi.stop"), "Cancel")
        self.cancel_button.setEnabled(False)
        self.close_button = QPushButton("Close")
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        for b in (self.start_button, self.cancel_button, self.close_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.review_button = QPushButton(qta.icon("mdi.view-grid"), "Review…")
        self.review_button.setToolTip("Thumbnails of what the batch wrote: accept each, or open it for editing")
        self.review_button.setEnabled(False)
        self.review_button.clicked.connect(self.open_review)
        buttons.insertWidget(2, self.review_button)
        self.review: ReviewGrid | None = None
        self.batch_options: BatchOptions | None = None  # what the last batch ran with
        self.relay = _Relay()
        self.relay.fileDone.connect(self._file_done)
        self._update_enabled()

    @staticmethod
    def _row(*widgets) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        for x in widgets:
            row.addWidget(x)
        row.addStretch(1)
        return w

    def _update_enabled(self) -> None:
        """Offer only what the chosen format and outputs use."""
        fmt = self.format.currentText()
        self.quality.setEnabled(fmt == "jpg")
        self.bit_depth.setEnabled(fmt in ("png", "tiff"))
        self.background_box.setEnabled(self.outputs["composite"].isChecked())
        key = self.background_box.currentData()
        self.background_label.setText({"color": self.custom_color.name(), "image": Path(self.background_image).name,
                                       "window": _describe(self.background)}.get(key, ""))

    def _background_chosen(self, _index: int = 0) -> None:
        key = self.background_box.currentData()
        if key == "color":
            c = QColorDialog.getColor(self.custom_color, self, "Composite background")
            if c.isValid():
                self.custom_color = c
        elif key == "image":
            path, _ = QFileDialog.getOpenFileName(self, "Background image", self.background_image)
            if path:
                self.background_image = path
        self._update_enabled()

    def chosen_background(self) -> Background:
        key = self.background_box.currentData()
        if key == "window":
            return self.background
        if key == "color":
            return Background("color", (self.custom_color.red(), self.custom_color.green(), self.custom_color.blue()))
        if key == "image":
            return Background("image", image=self.background_image)
        if key == "blur":
            return Background("blur", blur=self.background.blur if self.background.kind == "blur" else Background().blur)
        return Background.parse(key)

    def _with_browse(self, edit: QLineEdit) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit)
        b = QPushButton("Browse…")
        b.clicked.connect(lambda: edit.setText(QFileDialog.getExistingDirectory(self, "Folder", edit.text()) or edit.text()))
        row.addWidget(b)
        return w

    def options(self) -> BatchOptions:
        outputs = tuple(k for k, b in self.outputs.items() if b.isChecked())
        return BatchOptions(outputs, self.format.currentText(), self.recursive.isChecked(),
                            self.on_exists.currentText(), self.chosen_background(),
                            refine_edges=self.refine_edges.isChecked(), bit_depth=self.bit_depth.currentData(),
                            quality=self.quality.value())

    def problem(self) -> str | None:
        """Why this batch cannot start, in a designer's words; None when it can."""
        if not any(b.isChecked() for b in self.outputs.values()):
            return "Tick at least one thing to export: cutout, alpha or composite."
        indir, outdir = self.indir.text().strip(), self.outdir.text().strip()
        if self.background_box.currentData() == "image" and not Path(self.background_image).is_file():
            return "Choose the background image for the composites (Composite background: Image…)."
        if not indir or not Path(indir).is_dir():
            return f"The input folder {indir or '(none)'} does not exist. Choose the folder with your photos."
        if not outdir:
            return "Choose an output folder for the exported files."
        out = Path(outdir).expanduser()
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"The output folder {out} cannot be created ({exc.strerror or exc}). Choose another folder."
        if not os.access(out, os.W_OK):
            return f"The output folder {out} is not writable. Choose another folder."
        return None

    def say(self, message: str) -> None:
        self.status.setText(message)
        self.status.setStyleSheet("color: #ff8080;")

    def start(self) -> None:
        problem = self.problem()
        if problem is not None:
            self.say(problem)
            return
        try:
            options = self.options()
            items = plan_batch(self.indir.text(), self.outdir.text(), options)
        except (MattingError, ValueError) as exc:
            self.say(str(exc))
            return
        self.status.setStyleSheet("")
        for key, value in (("indir", self.indir.text()), ("outdir", self.outdir.text()),
                           ("recursive", self.recursive.isChecked()), ("outputs", ",".join(options.outputs)),
                           ("format", options.format), ("on_exists", options.on_exists),
                           ("refine_edges", options.refine_edges), ("bit_depth", self.bit_depth.currentText()),
                           ("quality", options.quality), ("background", self.background_box.currentData()),
                           ("background_color", self.custom_color.name()), ("background_image", self.background_image)):
            self.settings.setValue(f"batch/{key}", value)
        self.batch_options = options
        self.files.clear()
        self.progress.setRange(0, max(1, len(items)))
        self.progress.setValue(0)
        self.status.setText(f"{len(items)} images")
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)

        def job(_progress, cancel):
            engine = self.make_engine()
            return run_batch(engine, items, options, lambda d, t, r: self.relay.fileDone.emit(d, t, r), cancel)

        self.task = self.workers.start(job, on_done=self._finished, on_failed=self._failed)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.status.setText("Cancelling after the current image…")

    def _file_done(self, done: int, total: int, result) -> None:
        self.progress.setValue(done)
        icon = {"ok": "mdi.check", "skipped": "mdi.skip-next", "failed": "mdi.alert"}.get(result.status, "mdi.help")
        text = Path(result.input).name + ("" if result.status == "ok" else f" — {result.status}: {result.error}")
        item = QListWidgetItem(qta.icon(icon), text)
        item.setData(Qt.ItemDataRole.UserRole, result)
        self.files.addItem(item)
        self.files.scrollToBottom()

    def _finished(self, report: BatchReport) -> None:
        self.report = report
        self.status.setText(report.summary())
        out = Path(self.outdir.text())
        try:
            report.write(out / "msia-batch-report.json")
        except (MattingError, OSError) as exc:
            self.say(f"{report.summary()}; report not written: {exc}")
        self._idle()
        self.review_button.setEnabled(any(r.outputs for r in report.results))
        self.finished_report.emit(report)
        if self.review_button.isEnabled():
            self.open_review()

    def open_review(self) -> ReviewGrid | None:
        """The review grid of the last batch's outputs."""
        if self.report is None:
            return None
        if self.review is not None:
            self.review.close()
        self.review = ReviewGrid(self.report, self.outdir.text(), self.workers, self, self.batch_options)
        self.review.openRequested.connect(self.openRequested)
        self.review.editRequested.connect(self.editRequested)
        self.review.show()
        return self.review

    def output_saved(self, key: str) -> None:
        """A photo fixed in the main window went back to this batch's outputs."""
        if self.review is not None:
            self.review.output_saved(key)

    def _failed(self, message: str) -> None:
        self.say(message)
        self._idle()

    def _idle(self) -> None:
        self.task = None
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def closeEvent(self, event) -> None:
        self.cancel()
        super().closeEvent(event)


def _describe(background: Background) -> str:
    if background.kind == "color":
        return "#%02x%02x%02x" % tuple(background.color)
    if background.kind == "image":
        return Path(str(background.image)).name
    return background.kind
