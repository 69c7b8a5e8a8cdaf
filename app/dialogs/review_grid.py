"""After a batch: a grid of thumbnails of what it wrote, one per photo, where each image can be
accepted (marked done) or opened in the main window for editing. Thumbnails are made in workers
(the outputs are read back from disk, transparent ones drawn over a checkerboard); what was
accepted is kept in ``msia-review.json`` in the output folder (written atomically), so the
review can be resumed after a break.

An image opened for editing carries where the batch wrote it (``BatchReturn``): the window offers
to save the fix over those outputs, rendered as the batch rendered them, and the grid then shows
the new thumbnail (``output_saved``). The selection is a frame around a thumbnail, never a tint
over the image being judged."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

import qtawesome as qta

from matting.batch import BatchOptions, BatchReport
from matting.errors import MattingError
from matting.files import atomic_write

from ..views.render import to_qimage
from ..workers import Workers

THUMB = 180  # px, the long side of a thumbnail
REVIEW_FILE = "msia-review.json"
PREFERRED = ("_cutout", "_composite", "_alpha")  # which output of a photo the thumbnail shows
SELECTION_STYLE = ("QListWidget { selection-background-color: transparent; selection-color: #ffffff; } "
                   "QListWidget::item { border: 3px solid transparent; border-radius: 4px; } "
                   "QListWidget::item:selected { background: transparent; border-color: #4aa3ff; color: #ffffff; }")


@dataclass(frozen=True)
class BatchReturn:
    """A batch's photo opened for editing: the outputs the batch wrote for it (kind -> path) and
    the options it wrote them with."""

    input: Path
    outputs: dict[str, Path]
    options: BatchOptions

    @classmethod
    def of(cls, input_path: str, outputs: list[str], options: BatchOptions) -> "BatchReturn":
        kinds = {}
        for out in outputs:
            kind = next((k for k in options.outputs if out.endswith(options.suffix(k))), None)
            if kind is not None:
                kinds[kind] = Path(out)
        return cls(Path(input_path), kinds, options)


def thumbnail_pixels(path: str | Path, side: int = THUMB) -> np.ndarray:
    """An output file reduced to ``side`` px (long side), as uint8 sRGB (the file's colour
    profile converted, as the panes do); transparency drawn over a checkerboard (read in a worker)."""
    from PIL import Image

    from matting.colour import convert
    from matting.imageio import open_image  # only the decoders of the formats the tool lists

    with open_image(path) as im:
        icc = im.info.get("icc_profile")
        im.draft("RGB", (side, side))
        im = im.convert("RGBA")
        im.thumbnail((side, side), Image.Resampling.LANCZOS)
        rgba = np.asarray(im, np.float32) / 255.0
    h, w = rgba.shape[:2]
    yy, xx = np.mgrid[:h, :w]
    checker = np.where(((yy // 8) + (xx // 8)) % 2 == 0, 0.8, 0.95).astype(np.float32)[..., None]
    a = rgba[..., 3:]
    return convert(rgba[..., :3] * a + checker * (1 - a), icc or None, None, np.uint8)


def shown_output(outputs: list[str]) -> str | None:
    """The output a photo's thumbnail shows: its cutout, else composite, else alpha."""
    for tag in PREFERRED:
        for out in outputs:
            if Path(out).stem.endswith(tag):
                return out
    return outputs[0] if outputs else None


class ReviewGrid(QDialog):
    openRequested = Signal(str)  # the input photo to edit in the main window
    editRequested = Signal(object)  # BatchReturn: the same, with where the batch wrote it (options given)
    accepted_changed = Signal()

    def __init__(self, report: BatchReport, outdir: str | Path, workers: Workers, parent: QWidget | None = None,
                 options: BatchOptions | None = None):
        super().__init__(parent)
        self.options = options
        self.setWindowTitle("Review the batch")
        self.resize(980, 640)
        self.outdir, self.workers = Path(outdir), workers
        self.results = [r for r in report.results if r.outputs and r.status in ("ok", "skipped")]
        self.accepted: set[str] = self._load_accepted()
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        layout.addWidget(self.summary)
        self.grid = QListWidget()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setGridSize(QSize(THUMB + 24, THUMB + 44))
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.grid.setWordWrap(True)
        self.grid.setStyleSheet(SELECTION_STYLE)
        self.grid.itemDoubleClicked.connect(lambda item: self.open_item(item))
        layout.addWidget(self.grid, 1)
        buttons = QHBoxLayout()
        self.accept_button = QPushButton(qta.icon("mdi.check"), "Accept")
        self.accept_button.setToolTip("Mark the selected images as done (A)")
        self.accept_button.setShortcut("A")
        self.accept_button.clicked.connect(self.accept_selected)
        self.accept_all_button = QPushButton(qta.icon("mdi.check-all"), "Accept all")
        self.accept_all_button.clicked.connect(self.accept_all)
        self.open_button = QPushButton(qta.icon("mdi.pencil"), "Open for editing")
        self.open_button.setToolTip("Open the selected photo in the main window (double-click, Return)")
        self.open_button.clicked.connect(lambda: self.open_item(self.grid.currentItem()))
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        for b in (self.accept_button, self.accept_all_button, self.open_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.items: dict[str, QListWidgetItem] = {}
        for r in self.results:
            item = QListWidgetItem(qta.icon("mdi.image-outline"), Path(r.input).name)
            item.setData(Qt.ItemDataRole.UserRole, r.input)
            item.setToolTip(f"{r.input}\n-> " + "\n-> ".join(r.outputs))
            self.grid.addItem(item)
            self.items[r.input] = item
            self._load_thumbnail(r.input, shown_output(r.outputs))
        if self.grid.count():
            self.grid.setCurrentRow(0)
        self._refresh()

    # ---- thumbnails
    def _load_thumbnail(self, key: str, path: str | None) -> None:
        if path is None:
            return
        self.workers.start(lambda _p, _c: to_qimage(thumbnail_pixels(path)),
                           on_done=lambda image, k=key: self._thumbnail(k, image),
                           on_failed=lambda message, k=key: self.items[k].setToolTip(message))

    def _thumbnail(self, key: str, image) -> None:
        self.items[key].setData(Qt.ItemDataRole.UserRole + 1, QPixmap.fromImage(image))
        self._refresh_item(key)

    @property
    def thumbnails_done(self) -> int:
        return sum(item.data(Qt.ItemDataRole.UserRole + 1) is not None for item in self.items.values())

    # ---- accepting and opening
    def accept_selected(self) -> None:
        chosen = [item.data(Qt.ItemDataRole.UserRole) for item in self.grid.selectedItems()]
        self._accept(chosen)

    def accept_all(self) -> None:
        self._accept(list(self.items))

    def _accept(self, keys: list[str]) -> None:
        self.accepted.update(keys)
        self._save_accepted()
        self._refresh()
        self.accepted_changed.emit()
        row = self.grid.currentRow()
        for i in range(row + 1, self.grid.count()):  # go on to the next image still to review
            if self.grid.item(i).data(Qt.ItemDataRole.UserRole) not in self.accepted:
                self.grid.setCurrentRow(i)
                break

    def open_item(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        if self.options is not None:
            outputs = next(r.outputs for r in self.results if r.input == key)
            self.editRequested.emit(BatchReturn.of(key, outputs, self.options))
        else:
            self.openRequested.emit(key)

    def output_saved(self, key: str) -> None:
        """A fixed image went back to its outputs: its thumbnail is made again from them."""
        result = next((r for r in self.results if r.input == key), None)
        if result is not None:
            self.items[key].setData(Qt.ItemDataRole.UserRole + 1, None)
            self._load_thumbnail(key, shown_output(result.outputs))

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_item(self.grid.currentItem())
            return
        super().keyPressEvent(event)

    def _refresh(self) -> None:
        for key in self.items:
            self._refresh_item(key)
        n = len(self.items)
        self.summary.setText(f"{n} images: {len(self.accepted & set(self.items))} accepted, "
                             f"{n - len(self.accepted & set(self.items))} to review. Double-click one to edit it.")

    def _refresh_item(self, key: str) -> None:
        item = self.items[key]
        pixmap = item.data(Qt.ItemDataRole.UserRole + 1)
        done = key in self.accepted
        if pixmap is not None:
            if done:
                pixmap = _badged(pixmap)
            icon = QIcon(pixmap)
            icon.addPixmap(pixmap, QIcon.Mode.Selected)  # selected: framed, not tinted
            item.setIcon(icon)
        item.setText(("✓ " if done else "") + Path(key).name)

    def _load_accepted(self) -> set[str]:
        try:
            return set(json.loads((self.outdir / REVIEW_FILE).read_text())["accepted"])
        except (OSError, ValueError, KeyError, TypeError):
            return set()

    def _save_accepted(self) -> None:
        try:
            atomic_write(self.outdir / REVIEW_FILE, json.dumps({"accepted": sorted(self.accepted)}, indent=1).encode())
        except (OSError, MattingError) as exc:
            self.summary.setText(f"Could not record the review in {self.outdir / REVIEW_FILE}: {exc}")


def _badged(pixmap: QPixmap) -> QPixmap:
    """The thumbnail with a green check in its corner (an accepted image)."""
    from PySide6.QtGui import QPainter

    out = QPixmap(pixmap)
    painter = QPainter(out)
    icon = qta.icon("mdi.check-circle", color="#2ecc71").pixmap(32, 32)
    painter.drawPixmap(out.width() - 36, 4, icon)
    painter.end()
    return out
