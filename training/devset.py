"""The dev data checked at the end of each epoch for model selection, predicted through the
engine's resolution policy and scored with SAD, MSE and Gradient (whole image): a folder of images + alphas
with matching stems (``dev`` section), or composites of foregrounds held out of the training data
(``training.data.dataset.validation_samples``). Never the test set."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np
from torch import nn

from matting.engine import predict_alpha
from matting.files import files_by_stem
from matting.imageio import read_gray8, read_rgb8
from matting.metrics import gradient_error, mse, sad

from .scoreboard import RealPhoto, scoreboard_photos, worst_mean


def dev_pairs(images: Path, alphas: Path) -> list[tuple[Path, Path]]:
    """(image, alpha) with matching stems, sorted."""
    imgs, gts = files_by_stem(images), files_by_stem(alphas)
    return [(imgs[s], gts[s]) for s in sorted(imgs) if s in gts]


def spread(items: list, limit: int | None) -> list:
    """At most ``limit`` of ``items``, taken at even steps over the whole list (all without one)."""
    return items[:: max(1, len(items) // limit)][:limit] if limit else items


def spread_by_source(photos: list["RealPhoto"], limit: int | None) -> list["RealPhoto"]:
    """At most ``limit`` photos, the same number from every source (``spread`` within each)."""
    if not limit:
        return photos
    sources = sorted({p.source for p in photos})
    per = max(1, limit // len(sources))
    return [q for s in sources for q in spread([p for p in photos if p.source == s], per)]


class DevSample(Protocol):
    name: str

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """(RGB uint8 HxWx3, ground-truth alpha uint8 HxW)."""


@dataclass(frozen=True)
class FilePair:
    """An image and its alpha on disk."""

    image: Path
    alpha: Path

    @property
    def name(self) -> str:
        return self.image.stem

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        return read_rgb8(self.image), read_gray8(self.alpha)


@dataclass
class DevSet:
    samples: Sequence[DevSample]
    max_side: int = 512

    @classmethod
    def from_config(cls, cfg: dict[str, Any] | None) -> "DevSet | None":
        """``{"images": DIR, "alphas": DIR, "max_side": 512, "limit": 40}``; None when absent.
        ``images`` and ``alphas`` may be lists of folders (paired in order, e.g. the old dev set
        and dev v2); ``limit`` then spreads over their union. ``{"scoreboard": "selection"}``:
        the real-photo scoreboard's selection half (``training/scoreboard.py``), scored with
        every source weighted equally."""
        if cfg and cfg.get("scoreboard"):
            photos = spread_by_source(scoreboard_photos(half=cfg["scoreboard"]), cfg.get("limit"))
            return cls([ScoreboardSample(p) for p in photos], cfg.get("max_side", 512)) if photos else None
        if not cfg or not cfg.get("images"):
            return None
        image_dirs, alpha_dirs = (cfg[k] if isinstance(cfg[k], list) else [cfg[k]] for k in ("images", "alphas"))
        if len(image_dirs) != len(alpha_dirs):
            raise ValueError(f"dev: {len(image_dirs)} image folders but {len(alpha_dirs)} alpha folders")
        found = [pair for i, a in zip(image_dirs, alpha_dirs) if Path(i).is_dir() for pair in dev_pairs(Path(i), Path(a))]
        chosen = spread(found, cfg.get("limit"))
        return cls([FilePair(i, a) for i, a in chosen], cfg.get("max_side", 512)) if chosen else None

    def evaluate(self, model: nn.Module, refine: bool = False, flip: bool = False, bf16: bool = False) -> dict[str, float]:
        """Mean SAD, MSE and Gradient over the whole images; ``refine`` runs the model's refiner
        too (the engine's two-stage path); ``flip`` and ``bf16`` as in ``predict_alpha``. Samples
        that name a ``source`` are averaged per source first (every source weighs the same), and
        ``worst`` is the mean over sources of the worst 10 % SAD."""
        rows: dict[str, list[tuple[float, float, float]]] = {}
        for sample in self.samples:
            rgb, gt = sample.read()
            pred = predict_alpha(model, rgb, self.max_side, refine=refine, flip=flip, bf16=bf16)
            rows.setdefault(getattr(sample, "source", ""), []).append((sad(pred, gt), mse(pred, gt), gradient_error(pred, gt)))
        s, m, g = np.mean([np.mean(r, axis=0) for r in rows.values()], axis=0)
        worst = float(np.mean([worst_mean([x[0] for x in r]) for r in rows.values()]))
        return {"sad": float(s), "mse": float(m), "grad": float(g), "worst": worst, "n": sum(map(len, rows.values()))}


@dataclass(frozen=True)
class ScoreboardSample:
    """A scoreboard photo as a dev sample (its reference alpha as the truth)."""

    photo: "RealPhoto"

    @property
    def name(self) -> str:
        return self.photo.name

    @property
    def source(self) -> str:
        return self.photo.source

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        rgb, ref, _ = self.photo.read()
        return rgb, ref
