"""Two or three canvases side by side whose zoom and pan stay synchronised, so a hair strand can
be inspected in the original and in the cutout at the same place."""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QComboBox, QSplitter, QVBoxLayout, QWidget

from .canvas import ImageCanvas
from .render import VIEW_MODES


class Pane(QWidget):
    modeChanged = Signal(str)

    def __init__(self, mode: str, parent=None):
        super().__init__(parent)
        self.mode_box = QComboBox()
        for key, label in VIEW_MODES.items():
            self.mode_box.addItem(label, key)
        self.mode_box.setCurrentIndex(list(VIEW_MODES).index(mode))
        self.mode_box.currentIndexChanged.connect(lambda _i: self.modeChanged.emit(self.mode))
        self.canvas = ImageCanvas()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.mode_box)
        layout.addWidget(self.canvas)

    @property
    def mode(self) -> str:
        return self.mode_box.currentData()


class CompareView(QSplitter):
    """Panes in a row; any pane's zoom/pan is applied to the others."""

    modesChanged = Signal()

    def __init__(self, modes: tuple[str, ...] = ("original", "cutout"), parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.panes: list[Pane] = []
        for mode in ("original", "cutout", "alpha"):
            self._add_pane(mode)
        self.set_pane_count(len(modes))
        for pane, mode in zip(self.panes, modes):
            pane.mode_box.setCurrentIndex(list(VIEW_MODES).index(mode))

    def _add_pane(self, mode: str) -> None:
        pane = Pane(mode)
        pane.canvas.viewChanged.connect(lambda z, c, src=pane.canvas: self._sync(src, z, c))
        pane.canvas.resized.connect(lambda src=pane.canvas: self._resized(src))
        pane.modeChanged.connect(lambda _m: self.modesChanged.emit())
        self.panes.append(pane)
        self.addWidget(pane)

    def set_pane_count(self, n: int) -> None:
        """Show the first ``n`` panes; the newly shown ones take the first pane's zoom and centre
        (and, when the view is fitted, everything refits once the panes have their new sizes)."""
        for i, pane in enumerate(self.panes):
            pane.setVisible(i < n)
        lead = self.panes[0].canvas
        self._sync(lead, lead.zoom, lead.center())

    def fit(self) -> None:
        """Fit the photo in the first pane; the others follow."""
        self.panes[0].canvas.fit()

    def _resized(self, canvas: ImageCanvas) -> None:
        if canvas.fit_mode and canvas is self.panes[0].canvas:
            canvas.fit()
        elif canvas.fit_mode:  # a follower: keep the first pane's fit, centred in this pane's size
            lead = self.panes[0].canvas
            canvas.sync_to(lead.zoom, lead.center(), True)

    @property
    def visible_panes(self) -> list[Pane]:
        return [p for p in self.panes if p.isVisible()]

    def _sync(self, source: ImageCanvas, zoom: float, center: QPointF) -> None:
        for pane in self.panes:
            if pane.canvas is not source:
                pane.canvas.sync_to(zoom, center, source.fit_mode)
