"""Background-replacement choice: transparent (checkerboard), solid colour, image, blurred
original. Emits ``changed`` with a ``matting.compose.Background``; the matte is not recomputed."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QButtonGroup, QColorDialog, QFileDialog, QGroupBox, QHBoxLayout, QLabel,
                               QPushButton, QRadioButton, QSlider, QVBoxLayout, QWidget)
from PySide6.QtCore import Qt

from matting.compose import Background

KINDS = (("transparent", "Transparent"), ("color", "Colour"), ("image", "Image"), ("blur", "Blurred original"))


class BackgroundPanel(QGroupBox):
    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Background", parent)
        self.color = QColor(255, 255, 255)
        self.image_path: str | None = None
        self.group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        self.buttons: dict[str, QRadioButton] = {}
        for key, label in KINDS:
            b = QRadioButton(label)
            self.group.addButton(b)
            self.buttons[key] = b
            layout.addWidget(b)
        self.buttons["transparent"].setChecked(True)
        row = QHBoxLayout()
        self.color_button = QPushButton("Pick colour…")
        self.color_button.clicked.connect(self.pick_color)
        self.image_button = QPushButton("Choose image…")
        self.image_button.clicked.connect(self.pick_image)
        row.addWidget(self.color_button)
        row.addWidget(self.image_button)
        layout.addLayout(row)
        self.blur = QSlider(Qt.Orientation.Horizontal)
        self.blur.setRange(1, 10)
        self.blur.setValue(2)
        self.blur.setToolTip("Blur radius (% of the long side)")
        self.blur.valueChanged.connect(self._emit)
        layout.addWidget(QLabel("Blur"))
        layout.addWidget(self.blur)
        for b in self.buttons.values():
            b.toggled.connect(self._emit)
        self._update_swatch()

    @property
    def kind(self) -> str:
        return next(k for k, b in self.buttons.items() if b.isChecked())

    def background(self) -> Background:
        kind = self.kind
        if kind == "image" and not self.image_path:
            kind = "transparent"
        return Background(kind, (self.color.red(), self.color.green(), self.color.blue()), self.image_path,
                          self.blur.value() / 100.0)

    def set_color(self, color: QColor) -> None:
        self.color = color
        self._update_swatch()
        self.buttons["color"].setChecked(True)
        self._emit()

    def set_image(self, path: str) -> None:
        self.image_path = path
        self.buttons["image"].setChecked(True)
        self._emit()

    def pick_color(self) -> None:
        c = QColorDialog.getColor(self.color, self, "Background colour")
        if c.isValid():
            self.set_color(c)

    def pick_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Background image", "", "Images (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp)")
        if path:
            self.set_image(path)

    def refresh(self) -> None:
        """Show the current colour and tell listeners (after settings were restored)."""
        self._update_swatch()
        self._emit()

    def _update_swatch(self) -> None:
        self.color_button.setStyleSheet(f"QPushButton {{ border-left: 14px solid {self.color.name()}; }}")

    def _emit(self, *_args) -> None:
        if self.group.checkedButton() is not None and self.group.checkedButton().isChecked():
            self.changed.emit(self.background())
