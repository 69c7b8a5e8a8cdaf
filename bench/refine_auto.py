"""Does the automatic refinement (closed-form matting on a narrow band around the network's soft
edge, ``matting.refine.refine_auto``) help? SAD and MSE with and without it on photos with
alphas (default: ../shared/data/pseudo_gt, held-out dev stems only when an index is given).

    python bench/refine_auto.py [--images ../shared/data/pseudo_gt/images --alphas ../shared/data/pseudo_gt/alphas]
        [--bands 3 6 10] [--max-long 800]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np

from matting.engine import MattingEngine
from matting.evaluation import find_pairs
from matting.imageio import load_image
from matting.metrics import mse, sad
from matting.refine import refine_auto
from matting.weights import default_model_path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=Path, default=Path("../shared/data/pseudo_gt/images"))
    p.add_argument("--alphas", type=Path, default=Path("../shared/data/pseudo_gt/alphas"))
    p.add_argument("--bands", type=int, nargs="+", default=[3, 6, 10])
    p.add_argument("--max-long", type=int, default=800, help="photos are resized to this long side first")
    args = p.parse_args()
    engine = MattingEngine(default_model_path(), device="cpu")
    rows = {"network": []} | {f"auto band {b}": [] for b in args.bands}
    secs = {k: [] for k in rows}
    for pair in find_pairs(args.images, args.alphas):
        rgb = load_image(pair.image).rgb
        s = min(1.0, args.max_long / max(rgb.shape[:2]))
        rgb = cv2.resize(rgb, None, fx=s, fy=s, interpolation=cv2.INTER_AREA) if s < 1 else rgb
        gt = cv2.resize(load_image(pair.alpha).rgb[..., 0], rgb.shape[1::-1], interpolation=cv2.INTER_AREA)
        t = time.perf_counter()
        alpha = engine.predict(rgb)
        secs["network"].append(time.perf_counter() - t)
        rows["network"].append((sad(alpha, gt), mse(alpha, gt)))
        for b in args.bands:
            t = time.perf_counter()
            refined = refine_auto(rgb, alpha, band_px=b)
            secs[f"auto band {b}"].append(time.perf_counter() - t)
            rows[f"auto band {b}"].append((sad(refined, gt), mse(refined, gt)))
    print(f"{len(rows['network'])} photos at <= {args.max_long} px")
    print("| matte | SAD | MSE | extra s/img |\n|---|---:|---:|---:|")
    for k, v in rows.items():
        v = np.array(v)
        print(f"| {k} | {v[:, 0].mean():.2f} | {v[:, 1].mean():.4f} | {np.mean(secs[k]):.2f} |")


if __name__ == "__main__":
    main()
