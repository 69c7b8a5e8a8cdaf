"""Refinement brushes: definite foreground, definite background, unknown (applied together with
Apply); the edge-aware brushes, which apply themselves (app/tools/edge_brushes.py): quick
selection (add, remove) and refine edge; size; apply, reset."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout

import qtawesome as qta

BRUSHES = (("foreground", "Foreground", "F"), ("background", "Background", "B"), ("unknown", "Unknown edge", "U"))
EDGE_BRUSHES = (("quick_add", "Quick select +", "W", "Paint over a part of the subject: the stroke grows to its edges"),
                ("quick_remove", "Quick select -", "Shift+W", "Paint over background: the stroke grows to its edges"),
                ("refine_edge", "Refine edge", "E", "Paint over hair or a soft edge: the band is re-solved"))


class BrushPanel(QGroupBox):
    brushChanged = Signal(object, float)  # kind or None (navigate), radius
    applyRequested = Signal()
    resetRequested = Signal()

    def __init__(self, parent=None):
        super().__init__("Refine", parent)
        layout = QVBoxLayout(self)
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)
        self.buttons: dict[str, QPushButton] = {}
        rows = ((BRUSHES, lambda label: f"Paint {label.lower()}"),
                ([(k, label, key) for k, label, key, _tip in EDGE_BRUSHES], dict((b[1], b[3]) for b in EDGE_BRUSHES).get))
        for brushes, tip in rows:
            row = QHBoxLayout()
            for key, label, shortcut in brushes:
                b = QPushButton(label)
                b.setCheckable(True)
                b.setToolTip(f"{tip(label)} ({shortcut}); hold Space to pan")
                b.setShortcut(shortcut)
                b.clicked.connect(lambda checked, k=key: self.select(k if checked else None))
                self.buttons[key] = b
                row.addWidget(b)
            layout.addLayout(row)
        self.size = QSlider(Qt.Orientation.Horizontal)
        self.size.setRange(1, 200)
        self.size.setValue(12)
        self.size.setToolTip("Brush radius in image pixels ([ and ])")
        self.size.valueChanged.connect(lambda _v: self.brushChanged.emit(self.kind, float(self.size.value())))
        self.size_label = QLabel()
        self.size.valueChanged.connect(lambda v: self.size_label.setText(f"Size: {v} px"))
        self.size_label.setText(f"Size: {self.size.value()} px")
        layout.addWidget(self.size_label)
        layout.addWidget(self.size)
        actions = QHBoxLayout()
        self.apply_button = QPushButton(qta.icon("mdi.auto-fix"), "Apply")
        self.apply_button.setToolTip("Refine the matte where you painted (Ctrl+R)")
        self.apply_button.clicked.connect(self.applyRequested)
        self.reset_button = QPushButton(qta.icon("mdi.restore"), "Reset")
        self.reset_button.setToolTip("Back to the network's matte")
        self.reset_button.clicked.connect(self.resetRequested)
        actions.addWidget(self.apply_button)
        actions.addWidget(self.reset_button)
        layout.addLayout(actions)
        self.kind: str | None = None

    def select(self, kind: str | None) -> None:
        self.kind = kind
        for k, b in self.buttons.items():
            b.setChecked(k == kind)
        self.brushChanged.emit(kind, float(self.size.value()))

    def grow(self, factor: float) -> None:
        self.size.setValue(max(1, min(200, round(self.size.value() * factor))))
