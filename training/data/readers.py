"""Readers for the folder layouts users already have, returning ``Pair`` records.

* prepared: ``index.json`` written by ``training.data.prepare`` (the CPU run's data);
* images + alphas: two folders with matching stems (foreground colours estimated and cached);
* Composition-1K: ``fg/`` and ``alpha/`` with matching names (+ backgrounds from a folder or list);
* Distinctions-646: ``FG/`` and ``GT/``.

A missing or mismatched pair is reported by name when the reader runs, before training starts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from matting.errors import MattingError
from matting.files import IMAGE_SUFFIXES, files_by_stem
from matting.imageio import read_gray8, read_rgb8, save_image


class DatasetLayoutError(ValueError):
    """The data folders do not hold matching pairs; the message lists the files."""


@dataclass(frozen=True)
class Pair:
    alpha: Path
    fg: Path
    image: Path | None = None  # the original photo, when there is one (real background)
    source: str = ""


def _by_stem(folder: Path) -> dict[str, Path]:
    try:
        return files_by_stem(folder)
    except MattingError as exc:
        raise DatasetLayoutError(str(exc)) from None


def _match(a_dir: Path, b_dir: Path) -> list[tuple[str, Path, Path]]:
    a, b = _by_stem(a_dir), _by_stem(b_dir)
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    if only_a or only_b:
        lines = [f"{a_dir / s}: no matching file in {b_dir}" for s in only_a[:10]]
        lines += [f"{b_dir / s}: no matching file in {a_dir}" for s in only_b[:10]]
        raise DatasetLayoutError("mismatched pairs:\n" + "\n".join(lines))
    if not a:
        raise DatasetLayoutError(f"{a_dir}: no images")
    return [(s, a[s], b[s]) for s in sorted(a)]


def read_prepared(root: Path, split: str = "train") -> list[Pair]:
    index = json.loads((Path(root) / "index.json").read_text())
    pairs = [Pair(Path(r["alpha"]), Path(r["fg"]), Path(r["image"]), r["source"]) for r in index["pairs"] if r["split"] == split]
    missing = [str(p.alpha) for p in pairs if not p.alpha.is_file() or not p.fg.is_file()]
    if missing:
        raise DatasetLayoutError("missing files listed in index.json:\n" + "\n".join(missing[:10]))
    return pairs


def read_composition1k(root: Path) -> list[Pair]:
    """Composition-1K training layout: ``fg/`` and ``alpha/`` (no original photos)."""
    return [Pair(alpha, fg, None, "composition1k") for _, fg, alpha in _match(Path(root) / "fg", Path(root) / "alpha")]


def read_distinctions646(root: Path) -> list[Pair]:
    """Distinctions-646 layout: ``FG/`` and ``GT/``."""
    return [Pair(alpha, fg, None, "distinctions646") for _, fg, alpha in _match(Path(root) / "FG", Path(root) / "GT")]


def read_images_alphas(images: Path, alphas: Path, cache: Path) -> list[Pair]:
    """Photos + alphas with matching stems; foreground colours are estimated once (pymatting
    ``estimate_foreground_ml``) and cached as ``cache/<stem>.png``."""
    pairs = []
    for stem, image, alpha in _match(Path(images), Path(alphas)):
        fg = Path(cache) / f"{stem}.png"
        if not fg.is_file():
            estimate_fg_file(image, alpha, fg)
        pairs.append(Pair(alpha, fg, image, "images_alphas"))
    return pairs


def estimate_fg_file(image: Path, alpha: Path, out: Path) -> None:
    from pymatting import estimate_foreground_ml

    rgb = read_rgb8(image)
    a = read_gray8(alpha)
    a = cv2.resize(a, rgb.shape[1::-1], interpolation=cv2.INTER_AREA) if a.shape != rgb.shape[:2] else a
    fg = estimate_foreground_ml(rgb / 255.0, a / 255.0)
    save_image(out, np.clip(fg * 255 + 0.5, 0, 255).astype(np.uint8))


def read_backgrounds(spec: str | Path, pattern: str = "*") -> list[Path]:
    """Backgrounds from a folder (optionally a glob pattern) or a text file listing paths."""
    spec = Path(spec)
    if spec.is_file():
        paths = [Path(line.strip()) for line in spec.read_text().splitlines() if line.strip()]
    else:
        paths = [p for p in sorted(spec.glob(pattern)) if p.suffix.lower() in IMAGE_SUFFIXES]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise DatasetLayoutError("missing backgrounds:\n" + "\n".join(missing[:10]))
    if not paths:
        raise DatasetLayoutError(f"{spec}: no background images")
    return paths
