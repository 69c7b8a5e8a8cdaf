"""Export options: what (cutout, alpha, composite), format, bit depth, straight or premultiplied.
Choices are remembered (QSettings); the path is chosen here and overwriting asks first."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLineEdit, QMessageBox, QPushButton, QWidget)

WHAT = (("cutout", "Cutout (transparent)"), ("alpha", "Alpha matte"), ("composite", "Composite on background"))
FORMATS = {"png": "PNG", "tiff": "TIFF", "webp": "WebP (lossless, 8-bit)", "jpg": "JPEG (composite only)"}
EXT = {"png": ".png", "tiff": ".tif", "webp": ".webp", "jpg": ".jpg"}


@dataclass
class ExportOptions:
    what: str = "cutout"
    format: str = "png"
    bit_depth: int = 8
    premultiplied: bool = False


class ExportDialog(QDialog):
    def __init__(self, source: Path, input_bit_depth: int, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.settings, self.source = settings, source
        form = QFormLayout(self)
        self.what = QComboBox()
        for key, label in WHAT:
            self.what.addItem(label, key)
        self.format = QComboBox()
        for key, label in FORMATS.items():
            self.format.addItem(label, key)
        self.depth = QComboBox()
        self.depth.addItem("8-bit", 8)
        if input_bit_depth == 16:
            self.depth.addItem("16-bit", 16)
        self.premultiplied = QCheckBox("Premultiplied colour")
        self.path = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        form.addRow("Export", self.what)
        form.addRow("Format", self.format)
        form.addRow("Bit depth", self.depth)
        form.addRow("", self.premultiplied)
        form.addRow("File", row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._restore()
        for w in (self.what, self.format):
            w.currentIndexChanged.connect(self._update)
        self._update()

    def options(self) -> ExportOptions:
        return ExportOptions(self.what.currentData(), self.format.currentData(), int(self.depth.currentData()),
                             self.premultiplied.isChecked())

    def target(self) -> Path:
        return Path(self.path.text()).expanduser()

    def _default_path(self) -> str:
        o = self.options()
        folder = Path(self.settings.value("export/folder", str(self.source.parent)))
        return str(folder / f"{self.source.stem}_{o.what}{EXT[o.format]}")

    def _update(self, *_args) -> None:
        o = self.options()
        jpg_ok = o.what == "composite"
        idx = self.format.findData("jpg")
        self.format.model().item(idx).setEnabled(jpg_ok)
        if o.format == "jpg" and not jpg_ok:
            self.format.setCurrentIndex(self.format.findData("png"))
        self.premultiplied.setEnabled(o.what == "cutout")
        self.depth.setEnabled(o.format in ("png", "tiff"))
        current = Path(self.path.text()) if self.path.text() else None
        if current is None or current.stem.startswith(f"{self.source.stem}_"):
            self.path.setText(self._default_path())
        else:
            self.path.setText(str(current.with_suffix(EXT[self.options().format])))

    def browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.path.setText(path)

    def accept(self) -> None:
        target = self.target()
        if target.resolve() == self.source.resolve():
            QMessageBox.warning(self, "Export", f"{target}: that is the photo itself; choose another file.")
            return
        if target.exists():
            answer = QMessageBox.question(self, "Export", f"{target} exists. Replace it?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self._save()
        super().accept()

    def _restore(self) -> None:
        s = self.settings
        self.what.setCurrentIndex(max(0, self.what.findData(s.value("export/what", "cutout"))))
        self.format.setCurrentIndex(max(0, self.format.findData(s.value("export/format", "png"))))
        self.depth.setCurrentIndex(max(0, self.depth.findData(int(s.value("export/bit_depth", 8)))))
        self.premultiplied.setChecked(s.value("export/premultiplied", "false") in (True, "true"))

    def _save(self) -> None:
        o = self.options()
        s = self.settings
        s.setValue("export/what", o.what)
        s.setValue("export/format", o.format)
        s.setValue("export/bit_depth", o.bit_depth)
        s.setValue("export/premultiplied", o.premultiplied)
        s.setValue("export/folder", str(self.target().parent))
