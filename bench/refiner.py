"""The refiner's figures: the MSIA network alone (0.2.0's matte) against network + refiner, with
u2netp and MODNet, on the held-out dev set, per source, over the whole image and inside the
unknown band (trimaps derived from each dev alpha: 0 < alpha < 1, dilated by ``--band`` px).

    python bench/refiner.py [--model resources/models/msia-matte-lite0.safetensors] [--band 10]
        [--reference OLD.safetensors] [--out bench/results]

``--reference`` adds an older model's network alone as it shipped (fp32, no flip averaging; e.g.
0.2.0, the refiner's first baseline: 0.2.1's file with ``refine=False``) and prints the ratios
against it too. The model runs with the engine's defaults (on a CPU with native bfloat16: the
network in bf16 with flip averaging) and, when those differ, in fp32 without flip as well.

Writes ``OUT/refiner.md`` (the tables docs/benchmarks.md includes) and ``OUT/refiner.json``. "network
alone" is the same model file run with ``refine=False``: exactly the matte of the network the
refiner was trained on. One model at a time, 2 CPU threads, seconds per image exclude reading.
"""
from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import numpy as np

from _checkout import dev_set_parser
from _devsets import BASE_SOURCES, engine_label, read_sources, score_each, table
from matting.engine import MattingEngine
from matting.evaluation import find_pairs, soft_band_trimap
from matting.files import files_by_stem
from matting.imageio import read_gray8, save_image
from matting.weights import default_model_path
from training.baselines import load_baseline
from training.devset import spread


def band_trimaps(alphas: Path, out: Path, band: int) -> Path:
    """``soft_band_trimap`` of every alpha in ``alphas``, written to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for path in files_by_stem(alphas).values():
        save_image(out / f"{path.stem}.png", soft_band_trimap(read_gray8(path), band))
    return out


def main() -> None:
    p = dev_set_parser(__doc__)
    p.add_argument("--band", type=int, default=10, help="dilation of the soft region, px")
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    p.add_argument("--no-baselines", action="store_true")
    p.add_argument("--reference", type=Path, help="an older model file whose network alone is scored too")
    args = p.parse_args()
    model = args.model or default_model_path()
    trimaps = band_trimaps(args.alphas, args.alphas.parent / f"trimap_band{args.band}", args.band)
    whole = find_pairs(args.images, args.alphas)
    band = find_pairs(args.images, args.alphas, trimaps)
    if args.limit:
        whole, band = spread(whole, args.limit), spread(band, args.limit)
    engine = MattingEngine(model, device="cpu")
    if not engine.has_refiner:
        raise SystemExit(f"{model}: this model file has no refiner")
    predictors = {}
    if args.reference:  # as it shipped: fp32, no flip averaging
        reference = MattingEngine(args.reference, device="cpu", precision="fp32", flip=False)
        predictors[engine_label(reference, refine=False)] = partial(reference.predict, refine=False)
    predictors[engine_label(engine, refine=False)] = partial(engine.predict, refine=False)
    predictors[engine_label(engine)] = engine.predict
    if engine.precision != "fp32" or engine.flip:  # and as it runs without bf16 or flip
        plain = MattingEngine(model, device="cpu", precision="fp32", flip=False)
        predictors[engine_label(plain)] = plain.predict
    if not args.no_baselines:
        for name in ("u2netp", "modnet"):
            predictors[name] = load_baseline(name).predict
    source = read_sources(args.images)
    results = {name: score_each(predict, {"whole": whole, "band": band}, name) for name, predict in predictors.items()}
    setting = (f"{len(whole)} dev images from {args.images}; model {Path(model).name}, working side "
               f"{engine.max_side}; band = 0 < alpha < 1 dilated by {args.band} px; SAD, Gradient, "
               "Connectivity /1000; 2 CPU threads, one model at a time")
    tables = {region: table({m: r[region] for m, r in results.items()}, source, BASE_SOURCES, region)
              for region in ("whole", "band")}
    text = f"{setting}\n\nWhole image:\n\n{tables['whole']}\n\nInside the band:\n\n{tables['band']}\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "refiner.md").write_text(text)
    (args.out / "refiner.json").write_text(json.dumps({"setting": setting, "results": results}, indent=1))
    print(text)
    refined = results[engine_label(engine)]
    for name in (n for n in results if "network alone" in n):
        for region in ("whole", "band"):
            ratio = {k: np.mean([r[k] for r in refined[region]]) / np.mean([r[k] for r in results[name][region]])
                     for k in ("sad", "mse", "grad")}
            print(f"{engine_label(engine)} / {name} ({region}): " + ", ".join(f"{k} {v:.2f}x" for k, v in ratio.items()))


if __name__ == "__main__":
    main()
