"""The one chain from a photo to its matte and its files: predict, the file's own transparency,
the optional trimap or edge re-solve, the edge controls, then the outputs with their metadata.
``msia-matte matte``, ``cutout``, ``batch`` and the app's Export all go through it, so a
setting (above all ``input_alpha``: a file's own transparency) means the same everywhere.

Public API:
  ``Recipe(input_alpha="limit", refine_edges=False, edge=EdgeSettings(), trimap=None, guidance=None)``:
      what happens to the network's matte (``guidance``: the designer's strokes, ``matting.guidance``,
      which the network listens to); ``metadata()`` as output files record it.
  ``make_matte(engine, image, recipe, progress=None, cancel=None) -> alpha``: network + ``finish``.
  ``finish_matte(image, alpha, recipe, progress=None, cancel=None) -> alpha``: everything after the
      network, for a matte that exists already (the app's edited matte).
  ``output_metadata(model_info, recipe, extra=None) -> dict``: what every output records (the
      model's name, version and settings, without its local path; ``software``, which marks the
      file as ours; the recipe).
  ``cut_out(engine, image, recipe, targets, metadata, on_exists, protected) -> {kind: path}``:
      the whole chain for callers that write in the same thread (the CLI).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol

import numpy as np

from .colour import network_rgb
from .edge_controls import EdgeSettings, apply_edge_settings
from .guidance import Strokes
from .imageio import SOFTWARE, LoadedImage
from .input_alpha import INPUT_ALPHA_MODES, honour_input_alpha
from .output import OutputSpec, render_output, crop_metadata, write_output
from .progress import CancelFn, ProgressFn
from .refine import refine_auto, refine_with_trimap


class Predictor(Protocol):
    model_info: dict[str, Any]

    def predict(self, rgb: np.ndarray, progress: Any = None, cancel: CancelFn = None) -> np.ndarray: ...


@dataclass(frozen=True, eq=False)
class Recipe:
    input_alpha: str = "limit"  # matting.input_alpha.INPUT_ALPHA_MODES
    refine_edges: bool = False  # matting.refine.refine_auto on the network's soft edge
    edge: EdgeSettings = field(default_factory=EdgeSettings)
    trimap: np.ndarray | None = None  # the photo's size; its grey band re-solved (not with refine_edges)
    guidance: Strokes | None = None  # the photo's size; strokes the network listens to (a model that takes them)

    def __post_init__(self) -> None:
        if self.input_alpha not in INPUT_ALPHA_MODES:
            raise ValueError(f"input alpha must be one of {', '.join(INPUT_ALPHA_MODES)}, got {self.input_alpha!r}")
        if self.trimap is not None and self.refine_edges:
            raise ValueError("--refine-edges and --trimap both re-solve the edge: give one of them")

    def metadata(self) -> dict[str, str]:
        out = {"input_alpha": self.input_alpha, "refine_edges": str(self.refine_edges).lower(), **self.edge.metadata()}
        if self.trimap is not None:
            out["trimap"] = "true"
        if self.guidance is not None:
            out["strokes"] = "true"
        return out


def make_matte(engine: Predictor, image: LoadedImage, recipe: Recipe = Recipe(), progress: ProgressFn = None,
               cancel: CancelFn = None) -> np.ndarray:
    """The network's matte of ``image`` with everything ``recipe`` asks applied (HxW float32)."""
    rgb = network_rgb(image.rgb, image.icc_profile)  # the colours the network was trained on (sRGB)
    guided = {} if recipe.guidance is None else {"guidance": recipe.guidance}  # engines without strokes stay callable
    return finish_matte(image, engine.predict(rgb, progress=progress, cancel=cancel, **guided), recipe, cancel=cancel)


def finish_matte(image: LoadedImage, alpha: np.ndarray, recipe: Recipe = Recipe(), progress: ProgressFn = None,
                 cancel: CancelFn = None) -> np.ndarray:
    """Everything after the network: the file's own transparency, then the trimap's band or the
    soft edge re-solved, then the edge controls (Photoshop's order)."""
    alpha = honour_input_alpha(alpha, image, recipe.input_alpha)
    if recipe.trimap is not None:
        alpha = refine_with_trimap(image.rgb, recipe.trimap, alpha)
    elif recipe.refine_edges:
        alpha = refine_auto(image.rgb, alpha, cancel=cancel)
    return apply_edge_settings(image.rgb, alpha, recipe.edge, progress=progress, cancel=cancel)


def output_metadata(model_info: Mapping[str, Any], recipe: Recipe | None = None,
                    extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """See the module docstring."""
    meta = {k: str(v) for k, v in model_info.items() if k != "path"} | {"software": SOFTWARE}
    return meta | (recipe.metadata() if recipe else {}) | dict(extra or {})


def render_all(image: LoadedImage, alpha: np.ndarray, specs: Mapping[str, OutputSpec]) -> dict[str, np.ndarray]:
    """The arrays to write, per output kind (the foreground colours estimated once for all)."""
    from .compose import estimate_foreground

    wants_fg = any(spec.kind in ("cutout", "composite") for spec in specs.values())
    fg = estimate_foreground(image.rgb, alpha) if wants_fg else None
    return {kind: render_output(image.rgb, alpha, spec, fg, image.icc_profile) for kind, spec in specs.items()}


def write_all(image: LoadedImage, alpha: np.ndarray, arrays: Mapping[str, np.ndarray],
              targets: Mapping[str, tuple[Path, OutputSpec]], metadata: Mapping[str, str], on_exists: str,
              protected: Iterable[str | Path] = ()) -> dict[str, Path | None]:
    """Write what ``render_all`` made; per kind the path written (None: skipped, ours exists)."""
    return {kind: write_output(path, image, arrays[kind], spec, {**metadata, **crop_metadata(alpha, spec)}, on_exists,
                               protected)
            for kind, (path, spec) in targets.items()}


def cut_out(engine: Predictor, image: LoadedImage, recipe: Recipe, targets: Mapping[str, tuple[Path, OutputSpec]],
            metadata: Mapping[str, str], on_exists: str, protected: Iterable[str | Path] = (),
            cancel: CancelFn = None) -> dict[str, Path | None]:
    """``make_matte``, then every output of ``targets`` (kind -> (path, spec)) written."""
    alpha = make_matte(engine, image, recipe, cancel=cancel)
    arrays = render_all(image, alpha, {kind: spec for kind, (_path, spec) in targets.items()})
    return write_all(image, alpha, arrays, targets, metadata, on_exists, protected)
