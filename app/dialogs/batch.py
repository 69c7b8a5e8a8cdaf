"""Batch export dialog: input and output folders and the same options as ``msia-matte batch``,
run in the background with a progress bar, a per-file status list, cancel, and the report.
Everything that would make every file fail (no output ticked, no input folder, an output folder
that cannot be created or written) is checked and said in words before anything starts; the
settings are kept only for a batch that started."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QProgressBar, QPushButton,
                               QVBoxLayout, QWidget)

import qtawesome as qta

from matting.batch import OUTPUT_KINDS, BatchOptions, BatchReport, plan_batch, run_batch
from matting.compose import Background
from matting.errors import MattingError

from ..workers import Workers


class _Relay(QObject):
    fileDone = Signal(int, int, object)


class BatchDialog(QDialog):
    finished_report = Signal(object)  # BatchReport

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
        self.format.addItems(["png", "tiff", "webp"])
        self.format.setCurrentText(settings.value("batch/format", "png"))
        form.addRow("Format", self.format)
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
        self.relay = _Relay()
        self.relay.fileDone.connect(self._file_done)

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
                            self.on_exists.currentText(), self.background, refine_edges=self.refine_edges.isChecked())

    def problem(self) -> str | None:
        """Why this batch cannot start, in a designer's words; None when it can."""
        if not any(b.isChecked() for b in self.outputs.values()):
            return "Tick at least one thing to export: cutout, alpha or composite."
        indir, outdir = self.indir.text().strip(), self.outdir.text().strip()
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
                           ("refine_edges", options.refine_edges)):
            self.settings.setValue(f"batch/{key}", value)
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
        self.finished_report.emit(report)

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
