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
from .imageio import READ_SUFFIXES, load_image
from .metrics import evaluate_all

METRICS = ("sad", "mse", "grad", "conn")


@dataclass(frozen=True)
class EvalPair:
    name: str
    image: Path
    alpha: Path
    trimap: Path | None = None


@dataclass
class EvalResult:
    model: str
    rows: list[dict] = field(default_factory=list)  # name, sad, mse, grad, conn, seconds

    def means(self) -> dict[str, float]:
        keys = METRICS + ("seconds",)
        return {k: float(np.mean([r[k] for r in self.rows])) if self.rows else float("nan") for k in keys}


def _by_stem(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        raise MattingError(f"{folder}: folder not found")
    return {p.stem: p for p in sorted(folder.iterdir()) if p.suffix.lower() in READ_SUFFIXES}


def find_pairs(images: str | Path, alphas: str | Path, trimaps: str | Path | None = None) -> list[EvalPair]:
    """Images and ground-truth alphas (and trimaps) matched by file stem; every image needs one."""
    imgs, gts = _by_stem(Path(images)), _by_stem(Path(alphas))
    tris = _by_stem(Path(trimaps)) if trimaps else {}
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


def read_gray(path: Path) -> np.ndarray:
    """A single-channel alpha or trimap as stored (uint8 or uint16)."""
    a = load_image(path).rgb[..., 0]
    return a


def evaluate(model: str, predict: Callable[[np.ndarray], np.ndarray], pairs: Iterable[EvalPair],
             on_row: Callable[[dict], None] | None = None) -> EvalResult:
    """Run ``predict(rgb) -> alpha float HxW`` over ``pairs`` and score each image."""
    result = EvalResult(model)
    for pair in pairs:
        rgb = load_image(pair.image).rgb
        start = time.perf_counter()
        pred = predict(rgb)
        seconds = time.perf_counter() - start
        result.rows.append(score(pair, pred, seconds))
        if on_row:
            on_row(result.rows[-1])
    return result


def score(pair: EvalPair, pred: np.ndarray, seconds: float = 0.0) -> dict:
    gt = read_gray(pair.alpha)
    trimap = read_gray(pair.trimap) if pair.trimap else None
    if pred.shape != gt.shape:
        pred = cv2.resize(pred.astype(np.float32), gt.shape[::-1], interpolation=cv2.INTER_LINEAR)
    if trimap is not None and trimap.dtype == np.uint16:
        trimap = (trimap >> 8).astype(np.uint8)
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
