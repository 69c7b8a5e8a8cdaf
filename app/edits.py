"""A designer's edits to a matte as data, so that they survive: a new network matte (Recompute,
a Settings change) replays them, a project file keeps them, and a result computed for an older
matte is computed again on the current one instead of being pasted over it.

An ``Edit`` says what was done, not which pixels came out: the painted strokes applied together
(Apply: foreground / background / unknown masks, the data a network that listens to strokes
would take as guidance), one edge-aware brush stroke (quick selection add / remove, refine edge),
the automatic edge refinement, or a matte handed in whole (the file's transparency, a test's).
``apply_edit`` runs one in a worker; ``replay`` runs a list in order from a base matte."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from matting.progress import CancelFn, ProgressFn, check, report

STROKES, REFINE_EDGES, MATTE = "strokes", "refine_edges", "matte"
Point = tuple[float, float]
GUIDING_KINDS = ("foreground", "background")  # the stroke kinds a network that listens to strokes takes


@dataclass(frozen=True)
class StrokeData:
    """One painted stroke: its kind (foreground, background, unknown), radius and points (photo px)."""

    kind: str
    radius: float
    points: tuple[Point, ...]

    def to_json(self) -> dict:
        return {"kind": self.kind, "radius": self.radius, "points": [list(p) for p in self.points]}

    @classmethod
    def from_json(cls, data: dict) -> "StrokeData":
        return cls(str(data["kind"]), float(data["radius"]), tuple((float(x), float(y)) for x, y in data["points"]))


@dataclass(frozen=True, eq=False)
class Edit:
    """What a step did to the matte (module docstring). ``kind``: ``STROKES``, ``REFINE_EDGES``,
    ``MATTE`` or an edge-brush kind (``app.tools.edge_brushes.EDGE_KINDS``)."""

    kind: str
    strokes: tuple[StrokeData, ...] = ()  # STROKES
    points: tuple[Point, ...] = ()  # an edge brush's stroke
    radius: float = 0.0
    alpha: np.ndarray | None = field(default=None, repr=False)  # MATTE

    def to_json(self) -> dict:
        """JSON of everything but ``alpha`` (a project file keeps that as a 16-bit PNG)."""
        return {"kind": self.kind, "strokes": [s.to_json() for s in self.strokes],
                "points": [list(p) for p in self.points], "radius": self.radius}

    @classmethod
    def from_json(cls, data: dict, alpha: np.ndarray | None = None) -> "Edit":
        return cls(str(data["kind"]), tuple(StrokeData.from_json(s) for s in data.get("strokes", [])),
                   tuple((float(x), float(y)) for x, y in data.get("points", [])), float(data.get("radius", 0)), alpha)


def stroke_masks(strokes: Iterable[StrokeData], width: int, height: int) -> dict[str, np.ndarray]:
    """One boolean mask per stroke kind (foreground, background, unknown), at ``width x height``."""
    from .document import STROKE_KINDS
    from .views.strokes import rasterise

    strokes = list(strokes)
    return {kind: rasterise([s for s in strokes if s.kind == kind], width, height) for kind in STROKE_KINDS}


def guidance_of(strokes: Iterable[StrokeData], width: int, height: int):
    """The foreground / background strokes as the network's guidance (``matting.guidance.Strokes``)
    at ``width x height``; unknown strokes are no say to the network."""
    from matting.guidance import Strokes

    masks = stroke_masks(strokes, width, height)
    return Strokes(masks["foreground"], masks["background"])


def apply_edit(rgb: np.ndarray, alpha: np.ndarray, edit: Edit, progress: ProgressFn = None,
               cancel: CancelFn = None) -> np.ndarray:
    """``edit`` done on ``alpha`` (float32 HxW) of photo ``rgb``: the new matte. Raises ``Cancelled``."""
    from matting.refine import refine_auto, refine_with_strokes

    from .tools.edge_brushes import EDGE_KINDS, full_result

    if edit.kind == MATTE:
        return edit.alpha
    if edit.kind == REFINE_EDGES:
        return refine_auto(rgb, alpha, None, progress, cancel)
    if edit.kind == STROKES:
        h, w = alpha.shape
        masks = stroke_masks(edit.strokes, w, h)
        return refine_with_strokes(rgb, alpha, masks["foreground"], masks["background"], masks["unknown"],
                                   progress, cancel)
    if edit.kind in EDGE_KINDS:
        return full_result(edit.kind, rgb, alpha, list(edit.points), edit.radius, progress, cancel)
    raise ValueError(f"unknown edit {edit.kind!r}")


def replay(rgb: np.ndarray, base: np.ndarray, edits: list[Edit], progress: ProgressFn = None,
           cancel: CancelFn = None) -> np.ndarray:
    """``edits`` done in order on ``base`` (a new network matte): the matte they make of it."""
    alpha = base
    for i, edit in enumerate(edits):
        check(cancel)
        report(progress, i / max(1, len(edits)))
        alpha = apply_edit(rgb, alpha, edit, None, cancel)
    report(progress, 1.0)
    return alpha
