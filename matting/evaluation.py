"""Scoring predictions against ground truth over a folder: the rows and means of the paper's
tables (SAD, MSE, Gradient, Connectivity; whole image, or a trimap's unknown region), plus
seconds per image. Used by ``msia-matte eval`` and by ``training.evaluate``."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import cv2
import numpy as np

from .errors import MattingError
from .files import files_by_stem
from .imageio import load_image, read_gray, read_matte
from .metrics import evaluate_all, to_unit
from .trimap import normalize_trimap

METRICS = ("sad", "mse", "grad", "conn")


@dataclass(frozen=True)
class EvalPair:
    name: str
    image: Path
    alpha: Path
    trimap: Path | None = None


@dataclass
class EvalResult:
    """One model's rows (name, sad, mse, grad, conn, seconds) plus the files that could not be
    scored (``failed``: name, error naming the file); the means cover the scored images only."""

    model: str
    rows: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)

    def means(self) -> dict[str, float]:
        keys = METRICS + ("seconds",)
        return {k: float(np.mean([r[k] for r in self.rows])) if self.rows else float("nan") for k in keys}

    def add(self, row: dict, on_row: Callable[[dict], None] | None = None) -> None:
        """A scored row, or ``{"name", "error"}`` for a file that failed."""
        (self.failed if "error" in row else self.rows).append(row)
        if on_row:
            on_row(row)

    def to_json(self) -> dict:
        return {"model": self.model, "means": self.means(), "rows": self.rows, "failed": self.failed}


def find_pairs(images: str | Path, alphas: str | Path, trimaps: str | Path | None = None) -> list[EvalPair]:
    """Images and ground-truth alphas (and trimaps) matched by file stem; every image needs one,
    and two files with one stem in a folder (``b.jpg``, ``b.png``) are an error naming both."""
    imgs, gts = files_by_stem(images, strict=True), files_by_stem(alphas, strict=True)
    tris = files_by_stem(trimaps, strict=True) if trimaps else {}
    missing = [str(imgs[s]) for s in imgs if s not in gts or (trimaps and s not in tris)]
    if missing:
        raise MattingError("no ground truth (or trimap) for: " + ", ".join(missing[:5]))
    if not imgs:
        raise MattingError(f"{images}: no images")
    return [EvalPair(s, imgs[s], gts[s], tris.get(s)) for s in sorted(imgs)]


def soft_band_trimap(alpha: np.ndarray, px: int = 10) -> np.ndarray:
    """A trimap whose unknown region is the soft part of a uint8 alpha (0 < alpha < 255) dilated
    by ``px``, the rest 0/255 by alpha >= 128: scoring inside it measures the edges alone."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * px + 1, 2 * px + 1))
    soft = cv2.dilate(((alpha > 0) & (alpha < 255)).astype(np.uint8), kernel) > 0
    trimap = np.where(alpha >= 128, 255, 0).astype(np.uint8)
    trimap[soft] = 128
    return trimap


def evaluate(model: str, predict: Callable[[np.ndarray], np.ndarray], pairs: Iterable[EvalPair],
             on_row: Callable[[dict], None] | None = None, warmup: bool = False) -> EvalResult:
    """Run ``predict(rgb) -> alpha float HxW`` over ``pairs`` and score each image. A file that
    cannot be read or does not match (sizes) is listed in ``failed`` and the rest go on. With
    ``warmup`` the first readable image is predicted once untimed (first-call costs are not
    per-image time)."""
    result = EvalResult(model)
    for pair in pairs:
        try:
            rgb = load_image(pair.image).rgb
            gt = _ground_truth(pair, rgb.shape[:2])
            if warmup:
                predict(rgb)
                warmup = False
            start = time.perf_counter()
            pred = predict(rgb)
            row = _score(pair, pred, *gt, time.perf_counter() - start)
        except MattingError as exc:
            row = {"name": pair.name, "error": str(exc)}
        except ValueError as exc:  # e.g. a baseline refusing the image's layout
            row = {"name": pair.name, "error": f"{pair.image}: {exc}"}
        result.add(row, on_row)
    return result


def score_file(pair: EvalPair, pred_path: Path) -> dict:
    """Score a prediction file (``msia-matte eval --pred``); a row, or ``{"name", "error"}``. An
    RGBA prediction (a cutout) is scored on its alpha channel (``read_matte``)."""
    try:
        gt = _ground_truth(pair, load_image(pair.image, check_memory=False).rgb.shape[:2])
        pred = to_unit(read_matte(pred_path)).astype(np.float32)
        if pred.shape != gt[0].shape:
            raise MattingError(f"{pred_path}: prediction is {pred.shape[1]}x{pred.shape[0]}, its ground truth "
                               f"{pair.alpha} is {gt[0].shape[1]}x{gt[0].shape[0]}")
        return _score(pair, pred, *gt)
    except MattingError as exc:
        return {"name": pair.name, "error": str(exc)}


def score(pair: EvalPair, pred: np.ndarray, seconds: float = 0.0) -> dict:
    """Scores of a predicted alpha (HxW float) against the pair's ground truth, which must be
    the same size (MattingError naming the file otherwise)."""
    return _score(pair, pred, *_ground_truth(pair, pred.shape[:2]), seconds)


def _ground_truth(pair: EvalPair, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray | None]:
    """The pair's alpha and trimap, checked to be ``shape`` (the image's) and each other's size."""
    gt = read_gray(pair.alpha)
    trimap = read_gray(pair.trimap) if pair.trimap else None
    for path, a in ((pair.alpha, gt), (pair.trimap, trimap)):
        if a is not None and a.shape != tuple(shape):
            raise MattingError(f"{path}: is {a.shape[1]}x{a.shape[0]}, but {pair.image} is {shape[1]}x{shape[0]} "
                               "(ground truth must be the image's size)")
    return gt, None if trimap is None else normalize_trimap(trimap)


def _score(pair: EvalPair, pred: np.ndarray, gt: np.ndarray, trimap: np.ndarray | None, seconds: float = 0.0) -> dict:
    if pred.shape != gt.shape:
        raise MattingError(f"{pair.name}: prediction is {pred.shape[1]}x{pred.shape[0]}, {pair.alpha} is "
                           f"{gt.shape[1]}x{gt.shape[0]}")
    return {"name": pair.name, **evaluate_all(pred, gt, trimap), "seconds": seconds}


def format_table(results: list[EvalResult], per_image: bool = False) -> str:
    """Markdown table in the paper's form: one row per model (or per image)."""
    head = "| {} | SAD | MSE | Gradient | Connectivity | s/img |".format("image" if per_image else "model")
    lines = [head, "|---|---:|---:|---:|---:|---:|"]
    for res in results:
        rows = res.rows if per_image else [{"name": res.model, **res.means()}]
        for r in rows:
            lines.append(f"| {r['name']} | {r['sad']:.2f} | {r['mse']:.4f} | {r['grad']:.2f} | {r['conn']:.2f} | {r['seconds']:.3f} |")
    return "\n".join(lines)
