"""Quality against time at several working resolutions (the engine's ``max_side``) on the dev
set, with MODNet's time on the same images for reference. Chooses the engine's default.

    python bench/resolution_curve.py [--sides 256 320 384 448 512 640 768] [--limit 40]
        [--out bench/results/resolution_curve.md]

Each side runs with the engine's other defaults (on a CPU with native bfloat16: the network in
bf16 with flip averaging, then the refiner). Writes the table to ``--out``.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from _checkout import dev_set_parser  # (and the checkout on sys.path)
from _devsets import run_settings
from matting.engine import MattingEngine
from matting.evaluation import find_pairs
from matting.imageio import load_image
from matting.metrics import gradient_error, mse, sad
from matting.weights import default_model_path
from training.baselines import MODNet


def main() -> None:
    p = dev_set_parser(__doc__)
    p.add_argument("--sides", type=int, nargs="+", default=[256, 320, 384, 448, 512, 640, 768])
    p.add_argument("--out", type=Path, default=Path("bench/results/resolution_curve.md"))
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
    lines = []
    for side in args.sides:
        engine = MattingEngine(args.model or default_model_path(), device="cpu", max_side=side)
        engine.predict(data[0][0])
        rows, secs = [], []
        for rgb, gt in data:
            t = time.perf_counter()
            pred = engine.predict(rgb)
            secs.append(time.perf_counter() - t)
            rows.append((sad(pred, gt), mse(pred, gt), gradient_error(pred, gt)))
        (mean_sad, mean_mse, mean_grad), sec = np.mean(rows, axis=0), float(np.mean(secs))
        lines.append(f"| {side} | {mean_sad:.2f} | {mean_mse:.4f} | {mean_grad:.2f} | {sec:.3f} | {sec / t_modnet:.2f}x |")
        print(lines[-1], flush=True)
    info = engine.model_info
    text = "\n".join([
        f"{len(data)} dev images from {args.images}; {info['model']} {info['version']} ({run_settings(engine)}, "
        f"refiner {'on' if engine.refine else 'off'}); MODNet {t_modnet:.3f} s/img "
        "in the same run; SAD, Gradient /1000; 2 CPU threads", "",
        "| max_side | SAD | MSE | Gradient | s/img | time vs MODNet |", "|---:|---:|---:|---:|---:|---:|", *lines])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
