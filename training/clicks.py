"""Simulated clicks for training the network to listen to strokes (``matting/network/guidance.py``).

For a share ``p_guided`` of the samples, the network is trained with clicks, as interactive
segmentation networks are (RITM, Sofiiuk et al. 2022, "iterative sampling"):

1. up to ``max_initial`` clicks drawn at random from the truth: inside the subject ("subject"
   clicks) or inside the background ("background" clicks), away from the edge;
2. then up to ``max_iterative`` rounds in which the network (without gradients, in eval mode)
   predicts with the clicks so far and one more click goes on its largest error
   (``matting.guidance.simulate_click``: the designer's protocol the benchmark uses too).

The other samples get no clicks (all-zero maps): the trimap-free network, trained as before.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import cv2
import numpy as np
import torch
from torch import nn

from matting.config_section import ConfigSection
from matting.guidance import Strokes, simulate_click

MIN_ERROR_DEPTH = 2.0  # px: an error region thinner than this gets no click (an edge, not a region)


@dataclass
class ClickConfig(ConfigSection):
    p_guided: float = 0.0  # share of samples trained with clicks (0: the trimap-free network only)
    max_initial: int = 2
    max_iterative: int = 2
    section: ClassVar[str] = "clicks"


def random_click(truth: np.ndarray, positive: bool, rng: np.random.Generator, margin: int = 3) -> tuple[int, int] | None:
    """A random point inside the subject (``positive``) or the background, ``margin`` px from the edge."""
    region = (truth >= 0.5) if positive else (truth < 0.5)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
    inner = cv2.erode(region.astype(np.uint8), kernel) > 0
    ys, xs = np.nonzero(inner if inner.any() else region)
    if len(ys) == 0:
        return None
    i = int(rng.integers(len(ys)))
    return int(ys[i]), int(xs[i])


def initial_strokes(truth: np.ndarray, count: int, rng: np.random.Generator) -> Strokes:
    """``count`` random clicks, the first on the subject, the others either way."""
    strokes = Strokes.empty(*truth.shape)
    for k in range(count):
        positive = k == 0 or bool(rng.random() < 0.5)
        at = random_click(truth, positive, rng)
        if at is not None:
            strokes.add_click(*at, positive)
    return strokes


def _maps(strokes: list[Strokes | None], h: int, w: int) -> torch.Tensor:
    return torch.from_numpy(np.stack([s.maps(h, w) if s is not None else np.zeros((2, h, w), np.float32)
                                      for s in strokes]))


def guided_batch(model: nn.Module, image: torch.Tensor, alpha: torch.Tensor, cfg: ClickConfig,
                 rng: np.random.Generator) -> torch.Tensor | None:
    """Bx2xHxW guidance maps for a training batch (None when ``p_guided`` is 0): clicks for a
    ``p_guided`` share of the samples, zeros for the rest."""
    if cfg.p_guided <= 0:
        return None
    b, _, h, w = image.shape
    truths = alpha[:, 0].detach().cpu().numpy()
    strokes: list[Strokes | None] = [
        initial_strokes(truths[i], int(rng.integers(0, cfg.max_initial + 1)), rng) if rng.random() < cfg.p_guided else None
        for i in range(b)]
    rounds = [int(rng.integers(0, cfg.max_iterative + 1)) if s is not None else 0 for s in strokes]
    was_training = model.training
    model.eval()
    try:
        for r in range(max(rounds, default=0)):
            live = [i for i in range(b) if rounds[i] > r]
            with torch.no_grad():
                pred = model(image[live], _maps([strokes[i] for i in live], h, w).to(image.device))
            for j, i in enumerate(live):
                click = simulate_click(pred[j, 0].float().cpu().numpy(), truths[i], min_depth=MIN_ERROR_DEPTH)
                if click is not None:
                    strokes[i].add_click(*click)
    finally:
        model.train(was_training)
    return _maps(strokes, h, w).to(image.device)

