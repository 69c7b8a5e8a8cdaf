"""Quality against time at several working resolutions (the engine's ``max_side``) on the dev
set, with MODNet's time on the same images for reference. Chooses the engine's default.

    python bench/resolution_curve.py [--sides 256 320 384 448 512 640 768] [--limit 40]
"""
from __future__ import annotations

import time

import numpy as np

from _checkout import dev_set_parser  # (and the checkout on sys.path)
from matting.engine import MattingEngine
from matting.evaluation import find_pairs
from matting.imageio import load_image
from matting.metrics import mse, sad
from matting.weights import default_model_path
from training.baselines import MODNet


def main() -> None:
    p = dev_set_parser(__doc__)
    p.add_argument("--sides", type=int, nargs="+", default=[256, 320, 384, 448, 512, 640, 768])
    args = p.parse_args()
    pairs = find_pairs(args.images, args.alphas)
    if args.limit:
        pairs = pairs[:: max(1, len(pairs) // args.limit)][: args.limit]
    data = [(load_image(q.image).rgb, load_image(q.alpha).rgb[..., 0]) for q in pairs]
    modnet = MODNet()
    modnet.predict(data[0][0])
    start = time.perf_counter()
    for rgb, _ in data:
        modnet.predict(rgb)
    t_modnet = (time.perf_counter() - start) / len(data)
    print(f"{len(data)} images; MODNet {t_modnet:.3f} s/img")
    print("| max_side | SAD | MSE | s/img | time vs MODNet |")
    print("|---:|---:|---:|---:|---:|")
    for side in args.sides:
        engine = MattingEngine(args.model or default_model_path(), device="cpu", max_side=side)
        engine.predict(data[0][0])
        sads, mses, secs = [], [], []
        for rgb, gt in data:
            t = time.perf_counter()
            pred = engine.predict(rgb)
            secs.append(time.perf_counter() - t)
            sads.append(sad(pred, gt))
            mses.append(mse(pred, gt))
        s = float(np.mean(secs))
        print(f"| {side} | {np.mean(sads):.2f} | {np.mean(mses):.4f} | {s:.3f} | {s / t_modnet:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
