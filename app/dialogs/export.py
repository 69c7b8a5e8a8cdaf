"""Export options: what (cutout, alpha, composite, layered: TIFF or Photoshop PSD), format, bit
depth, straight or premultiplied, JPEG quality, crop to the subject with padding.
Choices are remembered (QSettings); the path is chosen here and overwriting asks first.

The file name and the format stay in step: choosing a format changes the name's extension, typing
a known extension chooses its format, and a name without one gets the format's. Only what the
format can hold is offered: 16-bit for PNG, TIFF and PSD (and a 16-bit photo), premultiplied
colour for a TIFF cutout (PNG and WebP define straight alpha only), JPEG (with its quality) for a
composite, PSD for the layered output (the cutout as a layer with a real layer mask over the
photo, what Photoshop needs to go on editing the mask). Problems are
shown in the dialog, in words, before anything is written."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QSpinBox, QWidget)

from matting.output import FORMATS as EXT
from matting.output import LAYERED_FORMATS, PREMULTIPLIED_FORMATS, SIXTEEN_BIT_FORMATS, format_for_suffix

WHAT = (("cutout", "Cutout (transparent)"), ("alpha", "Alpha matte"), ("composite", "Composite on background"),
        ("layered", "Layered (the photo + the matte: PSD layer mask, or TIFF alpha)"))
FORMAT_LABELS = {"png": "PNG", "tiff": "TIFF", "webp": "WebP (lossless, 8-bit)", "jpg": "JPEG (composite only)",
                 "psd": "Photoshop PSD (layered: cutout layer + layer mask)"}


@dataclass
class ExportOptions:
    what: str = "cutout"
    format: str = "png"
    bit_depth: int = 8
    premultiplied: bool = False
    crop: str = ""  # crop to the subject with this padding ("40", "5%"); "" keeps the whole photo
    quality: int = 95  # JPEG quality, 1-100


class ExportDialog(QDialog):
    def __init__(self, source: Path, input_bit_depth: int, settings: QSettings, parent: QWidget | None = None,
                 folder: Path | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.settings, self.source, self.folder = settings, source, folder
        form = QFormLayout(self)
        self.what = QComboBox()
        for key, label in WHAT:
            self.what.addItem(label, key)
        self.format = QComboBox()
        for key, label in FORMAT_LABELS.items():
            self.format.addItem(label, key)
        self.depth = QComboBox()
        self.depth.addItem("8-bit", 8)
        if input_bit_depth == 16:
            self.depth.addItem("16-bit", 16)
        self.premultiplied = QCheckBox("Premultiplied colour (TIFF)")
        self.quality = QSpinBox()
        self.quality.setRange(1, 100)
        self.quality.setValue(95)
        self.quality.setToolTip("JPEG quality: 95 keeps fine detail; lower makes smaller files")
        self.crop = QCheckBox("Crop to the subject, padding")
        self.padding = QLineEdit("5%")
        self.padding.setToolTip("Pixels (40) or a percentage of the subject's long side (5%)")
        self.crop.toggled.connect(self.padding.setEnabled)
        crop_row = QHBoxLayout()
        crop_row.addWidget(self.crop)
        crop_row.addWidget(self.padding)
        self.path = QLineEdit()
        self.path.editingFinished.connect(self.follow_path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        row = QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #ff8080;")
        self.problem.setWordWrap(True)
        form.addRow("Export", self.what)
        form.addRow("Format", self.format)
        form.addRow("Bit depth", self.depth)
        form.addRow("", self.premultiplied)
        form.addRow("JPEG quality", self.quality)
        form.addRow("", crop_row)
        form.addRow("File", row)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._restore()
        for w in (self.what, self.format):
            w.currentIndexChanged.connect(self._update)
        self._update()

    def options(self) -> ExportOptions:
        """What will be written: only what the chosen format can hold."""
        fmt = self.format.currentData()
        depth = int(self.depth.currentData()) if fmt in SIXTEEN_BIT_FORMATS else 8
        premultiplied = self.premultiplied.isChecked() and self.premultiplied.isEnabled()
        crop = self.padding.text().strip() if self.crop.isChecked() else ""
        return ExportOptions(self.what.currentData(), fmt, depth, premultiplied, crop, self.quality.value())

    def target(self) -> Path:
        return Path(self.path.text()).expanduser()

    def _default_path(self) -> str:
        o = self.options()
        folder = self.folder or Path(self.settings.value("export/folder", str(self.source.parent)))
        return str(folder / f"{self.source.stem}_{o.what}{EXT[o.format]}")

    def _update(self, *_args) -> None:
        what = self.what.currentData()
        jpg_ok = what == "composite"
        layered = what == "layered"
        for key in EXT:
            allowed = key in LAYERED_FORMATS if layered else key != "psd" and (key != "jpg" or jpg_ok)
            self.format.model().item(self.format.findData(key)).setEnabled(allowed)
        if layered and self.format.currentData() not in LAYERED_FORMATS:
            self.format.setCurrentIndex(self.format.findData("psd"))
        elif not layered and self.format.currentData() == "psd" or self.format.currentData() == "jpg" and not jpg_ok:
            self.format.setCurrentIndex(self.format.findData("png"))
        fmt = self.format.currentData()
        self.quality.setEnabled(fmt == "jpg")
        self.premultiplied.setEnabled(what == "cutout" and fmt in PREMULTIPLIED_FORMATS)
        deep = fmt in SIXTEEN_BIT_FORMATS and self.depth.count() > 1
        self.depth.setEnabled(deep)
        if not deep:
            self.depth.setCurrentIndex(self.depth.findData(8))  # what is shown is what is written
        current = Path(self.path.text()) if self.path.text() else None
        if current is None or current.stem.startswith(f"{self.source.stem}_"):
            self.path.setText(self._default_path())
        elif format_for_suffix(current.suffix) != fmt:
            self.path.setText(str(current.with_suffix(EXT[fmt])))
        self.problem.clear()

    def _show_problem(self, text: str) -> None:
        """The reason in words, the dialog grown to show all of it (a wrapped label does not
        grow its dialog by itself: the text was cut off)."""
        self.problem.setText(text)
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def follow_path(self) -> bool:
        """The name decides the format when it has a known extension, and gets the format's
        extension when it has none. False (with the reason shown) when the name cannot work."""
        text = self.path.text().strip()
        if not text:
            self._show_problem("Type a file name or choose one with Browse…")
            return False
        path = Path(text)
        if not path.suffix:
            self.path.setText(str(path.with_suffix(EXT[self.format.currentData()])))
            return True
        fmt = format_for_suffix(path.suffix)
        if fmt is None:
            self._show_problem(f"{path.name}: {path.suffix} is not a format MSIA Matte writes; "
                                 "use .png, .tif, .webp, .jpg (composites only) or .psd (layered only).")
            return False
        if fmt == "jpg" and self.what.currentData() != "composite":
            self._show_problem(f"{path.name}: JPEG has no transparency, so it can only hold a composite on a "
                                 "background. Choose “Composite on background”, or a .png, .tif or .webp name.")
            return False
        if fmt not in LAYERED_FORMATS and self.what.currentData() == "layered":
            self._show_problem(f"{path.name}: a layered output is a Photoshop PSD or a TIFF; name it .psd or .tif")
            return False
        if fmt == "psd" and self.what.currentData() != "layered":
            self._show_problem(f"{path.name}: a PSD holds the layered output; choose “Layered”, or another name.")
            return False
        if fmt != self.format.currentData():
            self.format.setCurrentIndex(self.format.findData(fmt))  # _update keeps the typed name
            self.path.setText(text)
        self.problem.clear()
        return True

    def browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.path.setText(path)
            self.follow_path()

    def accept(self) -> None:
        if not self.follow_path():
            return
        if self.crop.isChecked():
            from matting.crop import parse_padding

            try:
                parse_padding(self.padding.text())
            except ValueError as exc:
                self._show_problem(str(exc))
                return
        target = self.target()
        if target.resolve() == self.source.resolve():
            self._show_problem(f"{target}: that is the photo itself; choose another file.")
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
        self.padding.setText(str(s.value("export/crop_padding", "5%")))
        self.crop.setChecked(s.value("export/crop", "false") in (True, "true"))
        self.quality.setValue(int(s.value("export/quality", 95)))
        self.padding.setEnabled(self.crop.isChecked())

    def _save(self) -> None:
        o = self.options()
        s = self.settings
        s.setValue("export/what", o.what)
        s.setValue("export/format", o.format)
        s.setValue("export/bit_depth", o.bit_depth)
        s.setValue("export/premultiplied", o.premultiplied)
        s.setValue("export/quality", o.quality)
        s.setValue("export/crop", bool(o.crop))
        if o.crop:
            s.setValue("export/crop_padding", o.crop)
        s.setValue("export/folder", str(self.target().parent))
