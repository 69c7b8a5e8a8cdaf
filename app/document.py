"""One open photo: the image, the network's matte (and the engine settings that made it), the
current (possibly refined) matte, the estimated foreground colours, the brush strokes, and an
undo stack. Views listen to its signals;
it never draws and never computes (workers do, then hand results in)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from matting.edge_controls import EdgeSettings
from matting.imageio import LoadedImage
from matting.input_alpha import file_alpha

STROKE_KINDS = ("foreground", "background", "unknown")


@dataclass
class Stroke:
    kind: str
    radius: float
    points: list[QPointF] = field(default_factory=list)


class Document(QObject):
    imageChanged = Signal()
    alphaChanged = Signal()
    foregroundChanged = Signal()
    strokesChanged = Signal()
    edgeChanged = Signal()

    def __init__(self, image: LoadedImage, parent: QObject | None = None, file_alpha: np.ndarray | None = None,
                 edge: EdgeSettings = EdgeSettings()):
        super().__init__(parent)
        self.edge = edge  # the global edge controls, applied on top of ``alpha`` (display, export)
        self.image = image
        self.file_alpha = file_alpha  # offered_alpha(image), made in the open worker
        self.network_alpha: np.ndarray | None = None
        self.alpha: np.ndarray | None = None
        self.foreground: np.ndarray | None = None  # float32 HxWx3, for cutouts without fringes
        self._foreground_of: np.ndarray | None = None  # the alpha ``foreground`` was estimated for
        self.matte_info: dict = {}  # engine.model_info of the matte's computation ({"source": "file"}: the file's)
        self.matte_holder = None  # the EngineHolder that computed the network matte
        self.strokes: list[Stroke] = []
        self.undo_stack = QUndoStack(self)

    @property
    def path(self) -> Path:
        return self.image.path

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    @property
    def has_matte(self) -> bool:
        return self.alpha is not None

    def set_network_alpha(self, alpha: np.ndarray, info: dict | None = None, holder=None) -> None:
        """The network's matte arrived (or the file's own, ``info={"source": "file"}``): it becomes
        the current matte and the one Reset returns to; history starts here."""
        self.network_alpha = alpha
        self.matte_info, self.matte_holder = dict(info or {}), holder
        self.undo_stack.clear()
        self._set_alpha(alpha)

    def use_file_alpha(self) -> None:
        """Start from the file's own transparency: the first matte if there is none yet, else an
        undoable replacement."""
        alpha = self.file_alpha
        if alpha is None:
            return
        if self.alpha is None:
            self.set_network_alpha(alpha, {"source": "file"})
        else:
            self.undo_stack.push(_Refine(self, alpha, text="Use the file's transparency"))

    def foreground_matches(self, alpha: np.ndarray | None) -> bool:
        return self.foreground is not None and self._foreground_of is alpha

    def _set_alpha(self, alpha: np.ndarray) -> None:
        self.alpha = alpha
        self.foreground = self._foreground_of = None
        self.alphaChanged.emit()

    def set_foreground(self, fg: np.ndarray, for_alpha: np.ndarray) -> None:
        """Foreground colours computed for ``for_alpha``; ignored if the matte changed since."""
        if for_alpha is self.alpha:
            self.foreground, self._foreground_of = fg, for_alpha
            self.foregroundChanged.emit()

    # ---- strokes and refinement, all undoable
    def add_stroke(self, stroke: Stroke) -> None:
        self.undo_stack.push(_AddStroke(self, stroke))

    def apply_refinement(self, refined: np.ndarray) -> None:
        self.undo_stack.push(_Refine(self, refined))

    def set_edge(self, edge: EdgeSettings) -> None:
        """New edge settings, as one undoable step (a slider drag is one step: the panel commits
        on release)."""
        if edge != self.edge:
            self.undo_stack.push(_SetEdge(self, edge))

    def apply_brush(self, alpha: np.ndarray, text: str) -> None:
        """An edge-aware brush's result: the matte replaced, the painted strokes kept."""
        self.undo_stack.push(_Refine(self, alpha, text=text, keep_strokes=True))

    def reset_to_network(self) -> None:
        if self.network_alpha is not None:
            self.undo_stack.push(_Refine(self, self.network_alpha, text="Reset to network matte"))

    def stroke_masks(self, strokes: list[Stroke] | None = None) -> dict[str, np.ndarray]:
        """Rasterise ``strokes`` (default: the document's) into one boolean mask per kind, at image
        resolution (a worker's job on a large photo)."""
        from .views.strokes import rasterise

        strokes = self.strokes if strokes is None else strokes
        w, h = self.size
        return {kind: rasterise([s for s in strokes if s.kind == kind], w, h) for kind in STROKE_KINDS}


def offered_alpha(image: LoadedImage) -> np.ndarray | None:
    """The transparency the file already has (float32 HxW), when there is any worth offering as
    the starting matte (``matting.input_alpha.file_alpha``)."""
    return file_alpha(image)


class _AddStroke(QUndoCommand):
    def __init__(self, doc: Document, stroke: Stroke):
        super().__init__(f"Paint {stroke.kind}")
        self.doc, self.stroke = doc, stroke

    def redo(self) -> None:
        self.doc.strokes.append(self.stroke)
        self.doc.strokesChanged.emit()

    def undo(self) -> None:
        self.doc.strokes.remove(self.stroke)
        self.doc.strokesChanged.emit()


class _SetEdge(QUndoCommand):
    def __init__(self, doc: Document, edge: EdgeSettings):
        super().__init__("Edge settings")
        self.doc, self.new, self.old = doc, edge, doc.edge

    def redo(self) -> None:
        self.doc.edge = self.new
        self.doc.edgeChanged.emit()

    def undo(self) -> None:
        self.doc.edge = self.old
        self.doc.edgeChanged.emit()


class _Refine(QUndoCommand):
    """Replaces the matte and clears the strokes that produced it (unless ``keep_strokes``: an
    edge-aware brush applies itself, the painted strokes wait for Apply); undo restores both."""

    def __init__(self, doc: Document, alpha: np.ndarray, text: str = "Refine matte", keep_strokes: bool = False):
        super().__init__(text)
        self.doc, self.new = doc, alpha
        self.old, self.old_strokes = doc.alpha, list(doc.strokes)
        self.keep_strokes = keep_strokes

    def redo(self) -> None:
        if not self.keep_strokes:
            self.doc.strokes = []
        self.doc._set_alpha(self.new)
        self.doc.strokesChanged.emit()

    def undo(self) -> None:
        self.doc.strokes = list(self.old_strokes)
        self.doc._set_alpha(self.old)
        self.doc.strokesChanged.emit()
