"""A held-out dev set checked at the end of each epoch: images + alphas with matching stems,
predicted through the engine's resolution policy and scored with SAD and MSE (whole image)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from matting.engine import predict_alpha
from matting.files import files_by_stem
from matting.imageio import read_gray8, read_rgb8
from matting.metrics import mse, sad


def dev_pairs(images: Path, alphas: Path, limit: int | None = None) -> list[tuple[Path, Path]]:
    """(image, alpha) with matching stems; ``limit`` spreads the choice over the whole set."""
    imgs, gts = files_by_stem(images), files_by_stem(alphas)
    pairs = [(imgs[s], gts[s]) for s in sorted(imgs) if s in gts]
    return pairs[:: max(1, len(pairs) // limit)][:limit] if limit else pairs


@dataclass
class DevSet:
    pairs: list[tuple[Path, Path]]
    max_side: int = 512

    @classmethod
    def from_config(cls, cfg: dict[str, Any] | None) -> "DevSet | None":
        """``{"images": DIR, "alphas": DIR, "max_side": 512, "limit": 40}``; None when absent."""
        if not cfg or not Path(cfg["images"]).is_dir():
            return None
        pairs = dev_pairs(Path(cfg["images"]), Path(cfg["alphas"]), cfg.get("limit"))
        return cls(pairs, cfg.get("max_side", 512)) if pairs else None

    def evaluate(self, model: nn.Module) -> dict[str, float]:
        sads, mses = [], []
        for image_path, alpha_path in self.pairs:
            rgb, gt = read_rgb8(image_path), read_gray8(alpha_path)
            pred = predict_alpha(model, rgb, self.max_side)
            sads.append(sad(pred, gt))
            mses.append(mse(pred, gt))
        return {"sad": float(np.mean(sads)), "mse": float(np.mean(mses)), "n": len(self.pairs)}
