"""Training samples for the full-resolution refiner (``matting/network/refiner.py``).

The refiner learns to bring the MSIA network's working-resolution matte to the photo's own
resolution, so a sample keeps the relation the engine has at inference between the two:

  1. a photo and its alpha as the coarse network's dataset draws them (composite or real,
     ``MattingDataset._draw``), at their native size (1080-1920 px for the pseudo-GT portraits
     and animals, read from ``../shared/data/pseudo_gt``; 480-800 px for the prepared pets,
     horses and trimap photos);
  2. a square of 60-100 % of the short side (centred on the soft edge with p = 0.5), flipped
     with p = 0.5: this square plays the photo;
  3. the "full-resolution" photo: that square at a random side between ``lr_size`` and its
     native side (at most ``hr_max``), so the full/working ratio ranges from 1 to ~4;
  4. the working image: the full-resolution square area-resized to ``lr_size`` (the engine
     resizes the same way);
  5. a ``window`` square of the full-resolution image and alpha where the loss is computed,
     centred on the soft edge with p = ``p_edge_window`` (cost stays bounded at any ratio).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from .augment import crop_window
from .dataset import DataConfig, MattingDataset, read_pairs
from .readers import Pair, read_backgrounds, read_images_alphas, read_prepared


class RefinerDataset(MattingDataset):
    def __init__(self, pairs: list[Pair], backgrounds: list[Path], cfg: DataConfig, length: int, seed: int = 0,
                 lr_size: int = 320, hr_max: int = 1280, window: int = 320, p_edge_window: float = 0.8):
        super().__init__(pairs, backgrounds, cfg, length, seed)
        if window > lr_size:
            raise ValueError("window must not exceed lr_size (the full-resolution square is at least lr_size)")
        self.lr_size, self.hr_max, self.window, self.p_edge_window = lr_size, hr_max, window, p_edge_window

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, self.epoch, index])
        image, alpha = self._draw(rng)
        side = max(self.lr_size // 2, int(min(alpha.shape) * rng.uniform(0.6, 1.0)))
        side = min(side, *alpha.shape)
        y, x = crop_window(alpha, side, rng, 0.5)
        image, alpha = image[y : y + side, x : x + side], alpha[y : y + side, x : x + side]
        if rng.random() < 0.5:
            image, alpha = image[:, ::-1], alpha[:, ::-1]
        hr_side = int(rng.integers(self.lr_size, max(self.lr_size, min(side, self.hr_max)) + 1))
        hr, alpha_hr = (_resize(a, hr_side) for a in (image, alpha))
        lr, alpha_lr = (_resize(a, self.lr_size) for a in (hr, alpha_hr))
        top, left = crop_window(alpha_hr, self.window, rng, self.p_edge_window)
        win = (slice(top, top + self.window), slice(left, left + self.window))
        return {
            "lr": _image_tensor(lr),
            "alpha_lr": _alpha_tensor(alpha_lr),
            "hr": _image_tensor(hr[win]),
            "alpha_hr": _alpha_tensor(alpha_hr[win]),
            "place": torch.tensor([hr_side, top, left]),
        }


def _resize(a: np.ndarray, side: int) -> np.ndarray:
    if a.shape[0] == side and a.shape[1] == side:
        return np.ascontiguousarray(a)
    interp = cv2.INTER_AREA if a.shape[0] > side else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(a), (side, side), interpolation=interp)


def _image_tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1).float().div_(255.0)


def _alpha_tensor(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))[None].float().div_(255.0)


def refiner_pairs(cfg: DataConfig, native: dict | None) -> list[Pair]:
    """The coarse run's training pairs, with the pseudo-GT ones replaced by their native-size
    originals when ``native`` = {"images": DIR, "alphas": DIR, "fg_cache": DIR} is given (the
    dev split of the prepared index stays held out: its stems are left out here too)."""
    pairs = read_pairs(cfg)
    if not native:
        return pairs
    held_out = set()
    for root in cfg.roots:
        dev = read_prepared(Path(root), split="dev")
        held_out |= {p.alpha.stem for p in dev}
    kept = [p for p in pairs if not p.source.startswith("pseudo_gt")]
    for p in read_images_alphas(Path(native["images"]), Path(native["alphas"]), Path(native["fg_cache"])):
        if p.alpha.stem in held_out:
            continue
        source = "pseudo_gt_portrait" if p.alpha.stem.startswith("p3m") else "pseudo_gt_animal"
        kept.append(Pair(p.alpha, p.fg, p.image, source))
    return kept


def build_refiner_dataset(data_cfg: dict, refiner_data: dict, length: int, seed: int = 0) -> RefinerDataset:
    """``data_cfg``: the coarse run's ``data`` section; ``refiner_data``: ``native`` (see
    ``refiner_pairs``), ``lr_size``, ``hr_max``, ``window``, ``p_edge_window``."""
    cfg = DataConfig.from_dict(data_cfg)
    options = dict(refiner_data)
    pairs = refiner_pairs(cfg, options.pop("native", None))
    return RefinerDataset(pairs, read_backgrounds(cfg.backgrounds, cfg.background_pattern), cfg, length, seed,
                          **options)
