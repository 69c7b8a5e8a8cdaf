"""The training dataset: DIM-style composites, drawn afresh each time or fixed as the paper's, and
real photos.

Per item (deterministic in (seed, epoch, index), safe in DataLoader workers):
  1-2, ``composition: "random"`` (the CPU configs): pick a pair (sources can be weighted, e.g. to
     see the few high-quality alphas more often); with probability ``composite_prob`` composite its
     foreground over a random background (rescaled to cover, random window, maybe mirrored;
     foreground colour-jittered with ``colour_jitter_prob``, and with ``second_subject_prob`` a
     second subject pasted in front: alpha = 1 - (1-a1)(1-a2)), otherwise use the original photo
     with its real background (when the pair has one); with ``distractor_prob`` a subject composited
     at full size goes over a *distractor* instead: a training photo of ``distractor_groups`` (cows,
     cars, cats) whose own subject stays background, so the subject in front wins over a salient
     thing behind it (the dev portraits over BSDS test photos lost to a wallaby and a jet);
  1-2, ``composition: "adobe"`` (the paper configs): the fixed set of Deep Image Matting, which the
     paper follows (Sec. 4): item j is foreground j // N over its (j % N)-th of N =
     ``backgrounds_per_fg`` backgrounds, assigned in order as Adobe's script does
     (``compose.adobe_background``), the background only ever upscaled and its top-left corner
     kept (``compose.fit_background``); indices past n_fg * N wrap around;
  3. scale jitter, random square crop (centred on the unknown region with p = 0.5; the largest
     square with ``p_whole``), resize to ``out_size``, horizontal flip; people first cut to a
     head-and-shoulders square with ``head_crop_prob`` (``augment.head_crop``);
  4. with ``image_jitter_prob``, the colour jitter of the whole image (hue, saturation, brightness;
     the astronaut's face came back when her photo's hue was turned by 60 degrees: the network takes
     skin-coloured regions for background, likely from owners' hands in the pets and people in the
     backgrounds), then photo degradations (``degrade``: exposure, white balance, resize round
     trip, blur, noise, JPEG; ``degrade.py``) on the image only.

Sources are drawn by ``source_weights`` (a weight per pair of that source) or by
``source_shares`` (the share of draws each source gets as a whole, whatever its size: no single
source dominates; sources not named get none).

``val_foregrounds`` holds that many foregrounds out of the training pairs (seeded) for model
selection: ``validation_samples`` composites each over ``val_backgrounds_per_fg`` fixed backgrounds
that no training composite of the adobe mode uses; the test set is never looked at in training.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from matting.config_section import ConfigSection
from matting.imageio import read_gray8, read_rgb8

from .augment import head_crop, jitter_colour, random_crop_resize, rescale
from .compose import adobe_background, composite, fit_background
from .degrade import DegradeConfig, degrade
from .readers import Pair, read_backgrounds, read_composition1k, read_distinctions646, read_images_alphas, read_prepared


@dataclass
class DataConfig(ConfigSection):
    """Where the data is and how it is augmented (one JSON object in the training config)."""

    kind: str = "pairs"
    layout: str = "prepared"  # prepared | composition1k | distinctions646 | images_alphas
    roots: list[str] = field(default_factory=lambda: ["build/data"])
    alphas: str | None = None  # images_alphas layout: the alpha folder (roots[0] holds images)
    fg_cache: str = "build/fg_cache"
    backgrounds: str = "../shared/data/backgrounds/bsds500"
    background_pattern: str = "*"
    source_weights: dict[str, float] = field(default_factory=dict)
    source_shares: dict[str, float] = field(default_factory=dict)  # replaces source_weights when set
    crop_sizes: tuple[int, ...] = (512, 640, 800)
    out_size: int = 512
    p_center_unknown: float = 0.5
    p_whole: float = 0.0  # probability of the largest square instead of a crop (augment.py)
    composite_prob: float = 0.6
    colour_jitter_prob: float = 0.3
    second_subject_prob: float = 0.2
    distractor_prob: float = 0.0
    distractor_groups: tuple[str, ...] = ()  # stem prefixes of training pairs whose photos are distractors
    small_subject_prob: float = 0.0
    small_subject_scale: tuple[float, float] = (0.15, 0.6)  # the subject's size over the frame's
    head_crop_prob: float = 0.0  # a head-and-shoulders square of people (augment.head_crop)
    head_crop_sources: tuple[str, ...] = ("people_ccp", "davis_people")
    image_jitter_prob: float = 0.0  # colour jitter of the whole image, subject and background together
    degrade: DegradeConfig = field(default_factory=DegradeConfig)
    scale_jitter: tuple[float, float] = (0.75, 1.25)
    composition: str = "random"  # random | adobe (the paper's fixed backgrounds per foreground)
    backgrounds_per_fg: int = 100  # adobe: N per foreground (100 for Composition-1K, as the paper)
    val_foregrounds: int = 0  # foregrounds held out of training for model selection (seeded)
    val_backgrounds_per_fg: int = 4  # composites per held-out foreground
    val_seed: int = 0
    holdout_scoreboard: bool = False  # never draw a real-photo scoreboard photo (training/scoreboard.py)
    section: ClassVar[str] = "data"

    def __post_init__(self) -> None:
        self.crop_sizes = tuple(self.crop_sizes)
        self.scale_jitter = tuple(self.scale_jitter)
        self.small_subject_scale = tuple(self.small_subject_scale)
        self.head_crop_sources = tuple(self.head_crop_sources)
        self.distractor_groups = tuple(self.distractor_groups)
        if isinstance(self.degrade, dict):
            self.degrade = DegradeConfig.from_dict(self.degrade)
        if self.composition not in ("random", "adobe"):
            raise ValueError(f"composition must be 'random' or 'adobe', not {self.composition!r}")
        if self.backgrounds_per_fg < 1 or self.val_backgrounds_per_fg < 1 or self.val_foregrounds < 0:
            raise ValueError("backgrounds_per_fg and val_backgrounds_per_fg must be >= 1, val_foregrounds >= 0")


def read_pairs(cfg: DataConfig) -> list[Pair]:
    """Every pair of every root (training and held-out validation foregrounds together)."""
    pairs: list[Pair] = []
    for root in cfg.roots:
        if cfg.layout == "prepared":
            pairs += read_prepared(Path(root))
        elif cfg.layout == "composition1k":
            pairs += read_composition1k(Path(root))
        elif cfg.layout == "distinctions646":
            pairs += read_distinctions646(Path(root))
        elif cfg.layout == "images_alphas":
            pairs += read_images_alphas(Path(root), Path(cfg.alphas or ""), Path(cfg.fg_cache))
        else:
            raise ValueError(f"unknown layout {cfg.layout!r}")
    return pairs


def split_validation(pairs: list[Pair], cfg: DataConfig) -> tuple[list[Pair], list[Pair]]:
    """(training pairs, ``cfg.val_foregrounds`` held-out pairs), chosen with ``cfg.val_seed``;
    both keep the readers' (sorted) order."""
    n = cfg.val_foregrounds
    if n == 0:
        return pairs, []
    if n >= len(pairs):
        raise ValueError(f"val_foregrounds = {n}, but there are only {len(pairs)} foregrounds")
    held = set(np.random.default_rng(cfg.val_seed).permutation(len(pairs))[:n].tolist())
    return [p for i, p in enumerate(pairs) if i not in held], [p for i, p in enumerate(pairs) if i in held]


@dataclass(frozen=True)
class CompositeSample:
    """A validation image made when it is read: a held-out foreground over a fixed background
    (Deep Image Matting's rule). ``read()`` gives (rgb, alpha) as uint8."""

    name: str
    fg: Path
    alpha: Path
    background: Path

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        fg, alpha = _rgb(self.fg), _gray(self.alpha)
        if alpha.shape != fg.shape[:2]:
            alpha = cv2.resize(alpha, fg.shape[1::-1], interpolation=cv2.INTER_AREA)
        bg = fit_background(_rgb(self.background), *alpha.shape)
        return composite(fg, alpha, bg), alpha


def validation_samples(data_cfg: dict[str, Any]) -> list[CompositeSample]:
    """The held-out foregrounds of ``data_cfg`` (``val_foregrounds``), each over
    ``val_backgrounds_per_fg`` backgrounds taken after the ones the training composites use."""
    cfg = DataConfig.from_dict(data_cfg)
    train_pairs, held = split_validation(read_pairs(cfg), cfg)
    if not held:
        return []
    backgrounds = read_backgrounds(cfg.backgrounds, cfg.background_pattern)
    offset = len(train_pairs) * cfg.backgrounds_per_fg  # adobe mode: the first unused background
    m = cfg.val_backgrounds_per_fg
    return [CompositeSample(f"{p.alpha.stem}_{k}", p.fg, p.alpha, backgrounds[adobe_background(i, k, m, len(backgrounds), offset)])
            for i, p in enumerate(held) for k in range(m)]


_rgb, _gray = read_rgb8, read_gray8  # matting.imageio: one reader, one set of error messages


def cover(bg: np.ndarray, h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """A random h x w window of ``bg`` scaled (by up to 1.5x more) to cover it, maybe flipped."""
    bh, bw = bg.shape[:2]
    s = max(h / bh, w / bw) * rng.uniform(1.0, 1.5)
    bg = cv2.resize(bg, (max(w, round(bw * s)), max(h, round(bh * s))), interpolation=cv2.INTER_LINEAR)
    y = int(rng.integers(0, bg.shape[0] - h + 1))
    x = int(rng.integers(0, bg.shape[1] - w + 1))
    bg = bg[y : y + h, x : x + w]
    return bg[:, ::-1] if rng.random() < 0.5 else bg


def draw_weights(sources: list[str], cfg: DataConfig) -> np.ndarray:
    """Probability of drawing each pair: ``source_shares`` split evenly inside each source, else
    ``source_weights`` per pair (1 for sources not named), normalised."""
    if cfg.source_shares:
        counts = Counter(sources)
        w = np.array([cfg.source_shares.get(s, 0.0) / counts[s] for s in sources], np.float64)
        if w.sum() <= 0:
            raise ValueError(f"source_shares {cfg.source_shares} name none of the sources {sorted(counts)}")
    else:
        w = np.array([cfg.source_weights.get(s, 1.0) for s in sources], np.float64)
    return w / w.sum()


def paste(image: np.ndarray, alpha: np.ndarray, fg: np.ndarray, a: np.ndarray, size: float,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Subject (``fg``, ``a``) scaled to ``size`` of the frame (fitting inside it) and composited in
    front of (``image``, ``alpha``) at a random place; alphas join as 1 - (1 - a1)(1 - a2)."""
    h, w = alpha.shape
    fg, a = rescale([fg, a], min(h / a.shape[0], w / a.shape[1]) * size)
    y = int(rng.integers(0, h - a.shape[0] + 1))
    x = int(rng.integers(0, w - a.shape[1] + 1))
    win = (slice(y, y + a.shape[0]), slice(x, x + a.shape[1]))
    image = image.copy()
    image[win] = composite(fg, a, image[win])
    a1 = alpha.astype(np.float32) / 255.0
    union = a1.copy()
    union[win] = 1 - (1 - a1[win]) * (1 - a.astype(np.float32) / 255.0)
    return image, np.round(union * 255).astype(np.uint8)


def distractor_photos(pairs: list[Pair], groups: tuple[str, ...]) -> list[Path]:
    """The photos of the pairs whose stem starts with one of ``groups`` (their subjects become
    background behind a pasted subject)."""
    if not groups:
        return []
    return [p.image for p in pairs if p.image is not None and p.alpha.stem.startswith(groups)]


class MattingDataset(Dataset):
    def __init__(self, pairs: list[Pair], backgrounds: list[Path], cfg: DataConfig, length: int, seed: int = 0):
        if not pairs:
            raise ValueError("no training pairs")
        self.pairs, self.backgrounds, self.cfg = pairs, backgrounds, cfg
        self.distractors = distractor_photos(pairs, cfg.distractor_groups)
        if cfg.distractor_prob > 0 and not self.distractors:
            raise ValueError(f"distractor_groups {list(cfg.distractor_groups)} name no training photo")
        self.length, self.seed, self.epoch = length, seed, 0
        self.weights = draw_weights([p.source for p in pairs], cfg)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.length

    def _pick(self, rng: np.random.Generator) -> Pair:
        return self.pairs[int(rng.choice(len(self.pairs), p=self.weights))]

    def _subject(self, pair: Pair, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        fg, alpha = _rgb(pair.fg), _gray(pair.alpha)
        if alpha.shape != fg.shape[:2]:
            alpha = cv2.resize(alpha, fg.shape[1::-1], interpolation=cv2.INTER_AREA)
        if rng.random() < self.cfg.colour_jitter_prob:
            fg = jitter_colour(fg, rng)
        return fg, alpha

    def _composite(self, pair: Pair, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        fg, alpha = self._subject(pair, rng)
        h, w = alpha.shape
        bg = cover(_rgb(self.backgrounds[int(rng.integers(len(self.backgrounds)))]), h, w, rng)
        if self.cfg.small_subject_prob > 0 and rng.random() < self.cfg.small_subject_prob:
            image, alpha = paste(bg, np.zeros((h, w), np.uint8), fg, alpha, rng.uniform(*self.cfg.small_subject_scale), rng)
        else:  # a small subject never goes over a distractor: a big cow behind it is no background
            # (chosen after the ordinary background is drawn, so runs without distractors replay)
            if self.cfg.distractor_prob > 0 and rng.random() < self.cfg.distractor_prob:
                bg = cover(_rgb(self.distractors[int(rng.integers(len(self.distractors)))]), h, w, rng)
            image = composite(fg, alpha, bg)
        if rng.random() < self.cfg.second_subject_prob:
            image, alpha = self._add_subject(image, alpha, rng)
        return image, alpha

    def _add_subject(self, image: np.ndarray, alpha: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Paste a second, smaller subject in front at a random place."""
        fg2, a2 = self._subject(self._pick(rng), rng)
        return paste(image, alpha, fg2, a2, rng.uniform(0.3, 0.7), rng)
    def _adobe(self, index: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Steps 1-2 of the adobe mode: the fixed composite ``index`` (wrapping around). Colour
        jitter and a second subject still apply with their probabilities (0 in the paper configs)."""
        n = self.cfg.backgrounds_per_fg
        j = index % (len(self.pairs) * n)
        fg, alpha = self._subject(self.pairs[j // n], rng)
        bg = _rgb(self.backgrounds[adobe_background(j // n, j % n, n, len(self.backgrounds))])
        image = composite(fg, alpha, fit_background(bg, *alpha.shape))
        if rng.random() < self.cfg.second_subject_prob:
            image, alpha = self._add_subject(image, alpha, rng)
        return image, alpha

    def _draw(self, rng: np.random.Generator, index: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Steps 1-2: a weighted pair, composited over a background or as photographed (random
        mode), or the fixed composite ``index`` (adobe mode)."""
        if self.cfg.composition == "adobe":
            return self._adobe(index, rng)
        pair = self._pick(rng)
        if pair.image is None or rng.random() < self.cfg.composite_prob:
            image, alpha = self._composite(pair, rng)
        else:
            image, alpha = _rgb(pair.image), _gray(pair.alpha)
            if alpha.shape != image.shape[:2]:
                alpha = cv2.resize(alpha, image.shape[1::-1], interpolation=cv2.INTER_AREA)
        if (self.cfg.head_crop_prob > 0 and pair.source in self.cfg.head_crop_sources
                and rng.random() < self.cfg.head_crop_prob):  # no draw when off: old runs replay
            image, alpha = head_crop(image, alpha, rng)
        return image, alpha

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        image, alpha = self._draw(rng, index)
        lo, hi = self.cfg.scale_jitter
        image, alpha = rescale([image, alpha], rng.uniform(lo, hi))
        image, alpha = random_crop_resize(image, alpha, self.cfg.crop_sizes, self.cfg.out_size, rng,
                                          self.cfg.p_center_unknown, p_whole=self.cfg.p_whole)
        if self.cfg.image_jitter_prob > 0 and rng.random() < self.cfg.image_jitter_prob:  # no draw when off
            image = jitter_colour(image, rng)
        image = degrade(image, self.cfg.degrade, rng)
        return {
            "image": torch.from_numpy(image).permute(2, 0, 1).float().div_(255.0),
            "alpha": torch.from_numpy(alpha)[None].float().div_(255.0),
        }


def build_dataset(data_cfg: dict[str, Any], length: int, seed: int = 0) -> MattingDataset:
    """What ``training.train`` calls: read and check every pair now, then the dataset."""
    cfg = DataConfig.from_dict(data_cfg)
    pairs, _ = split_validation(read_pairs(cfg), cfg)
    if cfg.holdout_scoreboard:
        from ..scoreboard import held_out_stems

        held = held_out_stems([Path(root) / "index.json" for root in cfg.roots])
        pairs = [p for p in pairs if p.alpha.stem not in held]
    backgrounds = read_backgrounds(cfg.backgrounds, cfg.background_pattern)
    return MattingDataset(pairs, backgrounds, cfg, length, seed)
