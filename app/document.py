"""One open photo: the image, the network's matte (and the engine settings that made it), the
current (possibly refined) matte, the edits that made it from the network's (``app.edits``), the
estimated foreground colours, the brush strokes waiting for Apply, and an undo stack. Views listen
to its signals; it never draws and never computes (workers do, then hand results in).

``version`` counts the mattes the document has had: a worker's result records the version it was
computed from, and one computed from an older matte is computed again, never pasted. A new network
matte (Recompute, a Settings change) is an undoable step that keeps the strokes and the edits,
replayed on it (``recompute``). The undo stack's clean state is "saved": the window marks its
title and asks before dropping unsaved work."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from matting.edge_controls import EdgeSettings
from matting.imageio import LoadedImage
from matting.input_alpha import file_alpha

from .edits import MATTE, REFINE_EDGES, Edit, StrokeData

STROKE_KINDS = ("foreground", "background", "unknown")


@dataclass
class Stroke:
    kind: str
    radius: float
    points: list[QPointF] = field(default_factory=list)

    def data(self) -> StrokeData:
        return StrokeData(self.kind, float(self.radius), tuple((float(p.x()), float(p.y())) for p in self.points))

    @classmethod
    def from_data(cls, data: StrokeData) -> "Stroke":
        return cls(data.kind, data.radius, [QPointF(x, y) for x, y in data.points])


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
        self.edits: list[Edit] = []  # what made ``alpha`` from ``network_alpha``, in order
        self.version = 0  # bumped with every new ``alpha``
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
        self.edits = []
        self.undo_stack.clear()
        self._set_alpha(alpha)

    def restore(self, network_alpha: np.ndarray, alpha: np.ndarray, edits: list[Edit], strokes: list[Stroke],
                edge: EdgeSettings, info: dict, holder=None) -> None:
        """A saved project's state, as it was saved: the history starts (clean) here."""
        self.edge, self.strokes = edge, list(strokes)
        self.set_network_alpha(network_alpha, info, holder)
        self.edits = list(edits)
        if alpha is not network_alpha:
            self._set_alpha(alpha)
        self.edgeChanged.emit()
        self.strokesChanged.emit()
        self.undo_stack.setClean()

    def recompute(self, network_alpha: np.ndarray, alpha: np.ndarray, info: dict | None = None, holder=None) -> None:
        """A new network matte and ``alpha``, the document's edits replayed on it, as one undoable
        step; the painted strokes stay (with no matte yet: the first matte, history starts)."""
        if self.alpha is None:
            self.set_network_alpha(network_alpha, info, holder)
        else:
            self.undo_stack.push(_Recompute(self, network_alpha, alpha, dict(info or {}), holder))

    def dispose(self) -> None:
        """The window moved on to another photo: drop the history (its commands hold this
        document and its mattes through Qt, out of Python's collector's sight)."""
        self.undo_stack.clear()

    def use_file_alpha(self) -> None:
        """Start from the file's own transparency: the first matte if there is none yet, else an
        undoable replacement."""
        alpha = self.file_alpha
        if alpha is None:
            return
        if self.alpha is None:
            self.set_network_alpha(alpha, {"source": "file"})
        else:
            self.apply_refinement(alpha, text="Use the file's transparency")

    def foreground_matches(self, alpha: np.ndarray | None) -> bool:
        return self.foreground is not None and self._foreground_of is alpha

    def _set_alpha(self, alpha: np.ndarray) -> None:
        self.alpha = alpha
        self.version += 1
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

    def apply_refinement(self, refined: np.ndarray, edit: Edit | None = None, text: str = "Refine matte") -> None:
        """A new matte (``edit``: how it was made; default: handed in whole), the painted strokes
        cleared (Apply used them)."""
        edit = edit or Edit(MATTE, alpha=refined)
        keep = edit.kind == REFINE_EDGES  # the automatic refinement does not use the strokes
        self.undo_stack.push(_Refine(self, refined, self.edits + [edit], text, keep_strokes=keep))

    def set_edge(self, edge: EdgeSettings) -> None:
        """New edge settings, as one undoable step (a slider drag is one step: the panel commits
        on release)."""
        if edge != self.edge:
            self.undo_stack.push(_SetEdge(self, edge))

    def apply_brush(self, alpha: np.ndarray, text: str, edit: Edit | None = None) -> None:
        """An edge-aware brush's result: the matte replaced, the painted strokes kept."""
        edit = edit or Edit(MATTE, alpha=alpha)
        self.undo_stack.push(_Refine(self, alpha, self.edits + [edit], text, keep_strokes=True))

    def reset_to_network(self) -> None:
        if self.network_alpha is not None:
            self.undo_stack.push(_Refine(self, self.network_alpha, [], "Reset to network matte"))

    def stroke_masks(self, strokes: list[Stroke] | None = None) -> dict[str, np.ndarray]:
        """Rasterise ``strokes`` (default: the document's) into one boolean mask per kind, at image
        resolution (a worker's job on a large photo): the data a network that listens to strokes
        takes as guidance."""
        from .edits import stroke_masks

        strokes = self.strokes if strokes is None else strokes
        w, h = self.size
        return stroke_masks([s.data() for s in strokes], w, h)


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
    """Replaces the matte (and the list of edits that made it) and clears the strokes that produced
    it (unless ``keep_strokes``: an edge-aware brush applies itself, the painted strokes wait for
    Apply); undo restores all three."""

    def __init__(self, doc: Document, alpha: np.ndarray, edits: list[Edit], text: str = "Refine matte",
                 keep_strokes: bool = False):
        super().__init__(text)
        self.doc, self.new, self.new_edits = doc, alpha, list(edits)
        self.old, self.old_strokes, self.old_edits = doc.alpha, list(doc.strokes), list(doc.edits)
        self.keep_strokes = keep_strokes

    def redo(self) -> None:
        if not self.keep_strokes:
            self.doc.strokes = []
        self.doc.edits = list(self.new_edits)
        self.doc._set_alpha(self.new)
        self.doc.strokesChanged.emit()

    def undo(self) -> None:
        self.doc.strokes = list(self.old_strokes)
        self.doc.edits = list(self.old_edits)
        self.doc._set_alpha(self.old)
        self.doc.strokesChanged.emit()


class _Recompute(QUndoCommand):
    """A new network matte with the document's edits replayed on it; the strokes stay as they are.
    Undo brings back the previous network matte, its settings and the matte made from it."""

    def __init__(self, doc: Document, network_alpha: np.ndarray, alpha: np.ndarray, info: dict, holder):
        super().__init__("Recompute with strokes" if info.get("strokes") else "Recompute matte")
        self.doc = doc
        self.new = (network_alpha, alpha, info, holder)
        self.old = (doc.network_alpha, doc.alpha, doc.matte_info, doc.matte_holder)

    def _set(self, state: tuple) -> None:
        network_alpha, alpha, info, holder = state
        self.doc.network_alpha, self.doc.matte_info, self.doc.matte_holder = network_alpha, info, holder
        self.doc._set_alpha(alpha)

    def redo(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)
