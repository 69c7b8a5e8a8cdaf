"""Global edge controls (Select and Mask's): edge radius, smooth, feather, contrast, shift edge,
decontaminate colours, and the opacity of the overlay and onion-skin views.

Every move previews at once (``previewed``, on the display proxy); a finished change (slider
released, a key, a typed value) is ``committed``: the window makes it an undoable step of the
document. ``set_settings`` shows settings without emitting (undo, restore). Values are in pixels
of the full-resolution photo; contrast and decontaminate in percent."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QGridLayout, QGroupBox, QLabel, QPushButton, QSlider, QVBoxLayout,
                               QWidget)

from matting.edge_controls import EdgeSettings

# field, label, minimum, maximum, step, unit, percent (stored as a fraction), tip
CONTROLS = (
    ("radius", "Edge radius", 0, 100, 1, "px", False,
     "Re-solve a band this wide around the edge with closed-form matting (hair, fur)"),
    ("smooth", "Smooth", 0, 50, 0.5, "px", False, "Round off jaggies of hard contours (soft detail is kept)"),
    ("feather", "Feather", 0, 50, 0.5, "px", False, "Blur the matte's transition"),
    ("contrast", "Contrast", 0, 100, 1, "%", True, "Harden soft edges"),
    ("shift", "Shift edge", -50, 50, 0.5, "px", False, "Move the edge outwards (+) or inwards (-)"),
    ("decontaminate", "Decontaminate", 0, 100, 1, "%", True,
     "Replace the old background's colour in the edge with the subject's (100 %: fully)"),
)


class EdgePanel(QGroupBox):
    previewed = Signal(object)  # EdgeSettings, while a control moves
    committed = Signal(object)  # EdgeSettings, once the change is finished
    opacityChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Edge", parent)
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        self.sliders: dict[str, QSlider] = {}
        self.spins: dict[str, QDoubleSpinBox] = {}
        self._committed = EdgeSettings()
        self._quiet = False
        for row, (name, label, lo, hi, step, unit, _pct, tip) in enumerate(CONTROLS):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(round(lo / step), round(hi / step))
            slider.setToolTip(tip)
            spin = QDoubleSpinBox()
            spin.setRange(lo, hi)
            spin.setSingleStep(step)
            spin.setDecimals(0 if step >= 1 else 1)
            spin.setSuffix(f" {unit}")
            spin.setToolTip(tip)
            slider.valueChanged.connect(lambda v, n=name: self._slider_moved(n, v))
            slider.sliderReleased.connect(self._commit)
            spin.editingFinished.connect(lambda n=name: self._spin_done(n))
            grid.addWidget(QLabel(label), row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(spin, row, 2)
            self.sliders[name], self.spins[name] = slider, spin
        layout.addLayout(grid)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        self.opacity.setToolTip("How much the cut-away area is covered: by the overlay's red, or by the onion "
                                "skin's checkerboard (100 %: the cut-away photo hidden; 0 %: shown whole)")
        self.opacity_label = QLabel()
        self.opacity.valueChanged.connect(self._opacity_moved)
        self._opacity_moved(self.opacity.value())
        layout.addWidget(self.opacity_label)
        layout.addWidget(self.opacity)
        self.reset_button = QPushButton("Reset edge")
        self.reset_button.setToolTip("All edge controls back to their defaults (undoable)")
        self.reset_button.clicked.connect(lambda: self.set_settings(EdgeSettings(), commit=True))
        layout.addWidget(self.reset_button)
        self.set_settings(EdgeSettings())

    # ---- values
    def settings(self) -> EdgeSettings:
        values = {}
        for name, _label, _lo, _hi, _step, _unit, percent, _tip in CONTROLS:
            v = self.spins[name].value()
            values[name] = v / 100.0 if percent else v
        return EdgeSettings(**values)

    def set_settings(self, settings: EdgeSettings, commit: bool = False) -> None:
        """Show ``settings``; with ``commit`` also preview and commit them (a user's reset)."""
        self._quiet = True
        try:
            for name, _label, _lo, _hi, step, _unit, percent, _tip in CONTROLS:
                value = getattr(settings, name) * (100.0 if percent else 1.0)
                self.spins[name].setValue(value)
                self.sliders[name].setValue(round(value / step))
        finally:
            self._quiet = False
        if commit:
            self.previewed.emit(self.settings())
            self._commit()
        else:
            self._committed = self.settings()

    def set_value(self, name: str, value: float) -> None:
        """Set one control as a user would (previewed and committed); percent controls take 0..100."""
        self.spins[name].setValue(value)
        self._spin_done(name)

    # ---- events
    def _step(self, name: str) -> float:
        return next(c[4] for c in CONTROLS if c[0] == name)

    def _slider_moved(self, name: str, value: int) -> None:
        if self._quiet:
            return
        self._quiet = True
        self.spins[name].setValue(value * self._step(name))
        self._quiet = False
        self.previewed.emit(self.settings())
        if not self.sliders[name].isSliderDown():  # keys, wheel, a click on the groove: a finished change
            self._commit()

    def _spin_done(self, name: str) -> None:
        if self._quiet:
            return
        self._quiet = True
        self.sliders[name].setValue(round(self.spins[name].value() / self._step(name)))
        self._quiet = False
        self.previewed.emit(self.settings())
        self._commit()

    def _commit(self) -> None:
        current = self.settings()
        if current != self._committed:
            self._committed = current
            self.committed.emit(current)

    def _opacity_moved(self, value: int) -> None:
        self.opacity_label.setText(f"View opacity: {value} %")
        self.opacityChanged.emit(value / 100.0)
