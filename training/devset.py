"""A held-out dev set checked at the end of each epoch: images + alphas with matching stems,
predicted through the engine's resolution policy and scored with SAD and MSE (whole image)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from torch import nn

from matting.engine import predict_alpha
from matting.metrics import mse, sad

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass
class DevSet:
    pairs: list[tuple[Path, Path]]
    max_side: int = 512

    @classmethod
    def from_config(cls, cfg: dict[str, Any] | None) -> "DevSet | None":
        """``{"images": DIR, "alphas": DIR, "max_side": 512, "limit": 40}``; None when absent."""
        if not cfg or not Path(cfg["images"]).is_dir():
            return None
        alphas = Path(cfg["alphas"])
        pairs = []
        for image in sorted(Path(cfg["images"]).iterdir()):
            if image.suffix.lower() in IMAGE_SUFFIXES and (alphas / f"{image.stem}.png").is_file():
                pairs.append((image, alphas / f"{image.stem}.png"))
        limit = cfg.get("limit")
        if limit:
            step = max(1, len(pairs) // limit)
            pairs = pairs[::step][:limit]
        return cls(pairs, cfg.get("max_side", 512)) if pairs else None

    def evaluate(self, model: nn.Module) -> dict[str, float]:
        sads, mses = [], []
        for image_path, alpha_path in self.pairs:
            rgb = cv2.cvtColor(cv2.imread(str(image_path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
            gt = cv2.imread(str(alpha_path), cv2.IMREAD_GRAYSCALE)
            pred = predict_alpha(model, rgb, self.max_side)
            sads.append(sad(pred, gt))
            mses.append(mse(pred, gt))
        return {"sad": float(np.mean(sads)), "mse": float(np.mean(mses)), "n": len(self.pairs)}
