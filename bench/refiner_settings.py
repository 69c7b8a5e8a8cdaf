"""The refiner's inference-time settings and post-processing of its alpha, without training: the
shipped model's network + refiner on the held-out dev set, per source, whole image and inside the
unknown band (as ``bench/refiner.py``), once per setting.

    python bench/refiner_settings.py [--model M] [--band 10] [--out bench/results] [--limit N]

Settings: the guided filter's eps and radius at inference (both feed the learned coefficient
network, which was trained at the shipped ones: radius 12, eps 1e-4); then the shipped refiner's
alpha post-processed as a matting tool might: snapping values within t of 0 / 1 to 0 / 1, a
levels stretch of [t, 1 - t] to [0, 1], a contrast gain around 0.5, a Gaussian blur.
Writes ``OUT/refiner_settings.md``; SAD, MSE and Gradient are what the choice rests on (Gradient
needs a lower value without SAD or MSE rising on any source).
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from _checkout import dev_set_parser
from _devsets import BASE_SOURCES, read_sources, score_each, table
from matting.engine import MattingEngine
from matting.evaluation import find_pairs
from matting.weights import default_model_path
from refiner import band_trimaps
from training.devset import spread

Post = Callable[[np.ndarray], np.ndarray]


def snap(t: float) -> Post:
    """Values below t to 0, above 1 - t to 1 (a step of t at the threshold)."""
    return lambda a: np.where(a < t, 0.0, np.where(a > 1 - t, 1.0, a)).astype(np.float32)


def levels(t: float) -> Post:
    """[t, 1 - t] stretched linearly to [0, 1] (no step: near-0 / near-1 reach 0 / 1 continuously)."""
    return lambda a: np.clip((a - t) / (1 - 2 * t), 0.0, 1.0)


def contrast(k: float) -> Post:
    """Slope k around 0.5, clipped: sharper ramps."""
    return lambda a: np.clip((a - 0.5) * k + 0.5, 0.0, 1.0)


def blur(sigma: float) -> Post:
    """A Gaussian blur of the alpha (smoother ramps, less texture)."""
    return lambda a: cv2.GaussianBlur(a, (0, 0), sigma)


SETTINGS: dict[str, dict] = {
    "shipped (radius 12, eps 1e-4)": {},
    "eps 1e-5": {"eps": 1e-5},
    "eps 1e-3": {"eps": 1e-3},
    "radius 8": {"radius": 8},
    "radius 16": {"radius": 16},
}
POST: dict[str, Post] = {
    "snap t 0.05": snap(0.05),
    "levels t 0.03": levels(0.03),
    "contrast 1.2": contrast(1.2),
    "blur sigma 0.7": blur(0.7),
}


def main() -> None:
    p = dev_set_parser(__doc__)
    p.add_argument("--band", type=int, default=10, help="dilation of the soft region, px")
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    args = p.parse_args()
    model = args.model or default_model_path()
    trimaps = band_trimaps(args.alphas, args.alphas.parent / f"trimap_band{args.band}", args.band)
    sets = {"whole": find_pairs(args.images, args.alphas), "band": find_pairs(args.images, args.alphas, trimaps)}
    if args.limit:
        sets = {k: spread(v, args.limit) for k, v in sets.items()}
    engine = MattingEngine(model, device="cpu")
    refiner = engine.net.refiner
    if refiner is None:
        raise SystemExit(f"{model}: this model file has no refiner")
    shipped = refiner.config
    results = {}
    for name, change in SETTINGS.items():
        refiner.config = replace(shipped, **change)
        results[name] = score_each(engine.predict, sets, name)
    refiner.config = shipped
    memo: dict[str, np.ndarray] = {}  # the shipped alpha of each photo, by content: predicted once

    def shipped_alpha(rgb: np.ndarray) -> np.ndarray:
        key = hashlib.sha1(rgb).hexdigest()
        if key not in memo:
            memo[key] = engine.predict(rgb)
        return memo[key]

    for name, post in POST.items():
        results[f"shipped + {name}"] = score_each(lambda rgb, post=post: post(shipped_alpha(rgb)), sets, name)
    source = read_sources(args.images)
    setting = (f"{len(sets['whole'])} dev images from {args.images}; model {Path(model).name} "
               f"{engine.model_info['version']}, network + refiner, working side {engine.max_side}; band = "
               f"0 < alpha < 1 dilated by {args.band} px; SAD, Gradient, Connectivity /1000; s/img of the "
               "post-processed rows: the shipped alpha is predicted once per photo (by the first of them)")
    text = setting + "".join(f"\n\n{'Whole image' if region == 'whole' else 'Inside the band'}:\n\n"
                             + table({m: r[region] for m, r in results.items()}, source, BASE_SOURCES, region)
                             for region in sets) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "refiner_settings.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
