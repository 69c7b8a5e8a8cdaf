"""Synthetic matting samples the project makes itself: soft-edged ellipses and thin strands of a
random colour composited (eq. 1) over a random smooth background. Used by the tests and for smoke
runs of the training loop; deterministic per (seed, epoch, index)."""
from __future__ import annotations

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset


def synthetic_pair(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(image HxWx3 float32, alpha HxW float32), both in [0, 1]."""
    alpha = np.zeros((size, size), np.float32)
    c = rng.uniform(0.3, 0.7, 2) * size
    axes = rng.uniform(0.15, 0.35, 2) * size
    cv2.ellipse(alpha, (int(c[0]), int(c[1])), (int(axes[0]), int(axes[1])), float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
    for _ in range(int(rng.integers(3, 8))):  # hair-like strands leaving the body
        angle = rng.uniform(0, 2 * np.pi)
        end = c + np.array([np.cos(angle), np.sin(angle)]) * size * rng.uniform(0.3, 0.5)
        cv2.line(alpha, (int(c[0]), int(c[1])), (int(end[0]), int(end[1])), float(rng.uniform(0.4, 1.0)), 1)
    alpha = cv2.GaussianBlur(alpha, (0, 0), rng.uniform(0.5, 1.5))
    fg = np.ones((size, size, 3), np.float32) * rng.uniform(0, 1, 3).astype(np.float32)
    bg = cv2.resize(rng.uniform(0, 1, (4, 4, 3)).astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * np.clip(bg, 0, 1)
    return image.astype(np.float32), np.clip(alpha, 0, 1)


class SyntheticMattingDataset(Dataset):
    def __init__(self, length: int, size: int = 64, seed: int = 0):
        self.length, self.size, self.seed, self.epoch = length, size, seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        image, alpha = synthetic_pair(rng, self.size)
        return {"image": torch.from_numpy(image).permute(2, 0, 1).contiguous(), "alpha": torch.from_numpy(alpha)[None]}
