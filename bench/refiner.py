"""The refiner's figures: the MSIA network alone (0.2.0's matte) against network + refiner, with
u2netp and MODNet, on the held-out dev set, per source, over the whole image and inside the
unknown band (trimaps derived from each dev alpha: 0 < alpha < 1, dilated by ``--band`` px).

    python bench/refiner.py [--model resources/models/msia-matte-lite0.safetensors] [--band 10]
        [--out bench/results]

Writes ``OUT/refiner.md`` (the tables the README includes) and ``OUT/refiner.json``. "network
alone" is the same model file run with ``refine=False``: exactly the matte of the network the
refiner was trained on. One model at a time, 2 CPU threads, seconds per image exclude reading.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from _checkout import dev_set_parser
from matting.engine import MattingEngine
from matting.evaluation import EvalPair, find_pairs, score
from matting.imageio import load_image
from matting.weights import default_model_path
from training.baselines import load_baseline

SOURCES = ("portraits", "animal composites", "pets", "horses")


def source_of(name: str) -> str:
    """The dev image's source, from its stem (see training.data.prepare)."""
    if name.startswith("p3m"):
        return "portraits"
    if name.startswith(("am2k", "gfm")):
        return "animal composites"
    if name.startswith("horse"):
        return "horses"
    return "pets"


def band_trimaps(alphas: Path, out: Path, band: int) -> Path:
    """128 where 0 < alpha < 1 (dilated by ``band`` px), else 0/255 by alpha >= 0.5."""
    out.mkdir(parents=True, exist_ok=True)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    for path in sorted(alphas.glob("*.png")):
        a = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        soft = cv2.dilate(((a > 0) & (a < 255)).astype(np.uint8), kernel) > 0
        trimap = np.where(a >= 128, 255, 0).astype(np.uint8)
        trimap[soft] = 128
        cv2.imwrite(str(out / path.name), trimap)
    return out


def score_both(predict, whole: list[EvalPair], band: list[EvalPair], name: str) -> dict[str, list[dict]]:
    """One prediction per image (after an untimed warm-up), scored over the whole image and
    inside the band."""
    rows: dict[str, list[dict]] = {"whole": [], "band": []}
    predict(load_image(whole[0].image).rgb)
    for pw, pb in tqdm(list(zip(whole, band)), desc=name[:30], unit="img"):
        rgb = load_image(pw.image).rgb
        start = time.perf_counter()
        pred = predict(rgb)
        seconds = time.perf_counter() - start
        rows["whole"].append(score(pw, pred, seconds))
        rows["band"].append(score(pb, pred, seconds))
    return rows


def table(results: dict[str, dict[str, list[dict]]], region: str) -> str:
    """Markdown: one row per (model, source) with SAD, MSE, Gradient, Connectivity, s/img."""
    lines = [f"| model ({region}) | source | n | SAD | MSE | Gradient | Connectivity | s/img |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for model, rows in results.items():
        for source in ("all",) + SOURCES:
            sel = [r for r in rows[region] if source == "all" or source_of(r["name"]) == source]
            if not sel:
                continue
            m = {k: float(np.mean([r[k] for r in sel])) for k in ("sad", "mse", "grad", "conn", "seconds")}
            lines.append(f"| {model} | {source} | {len(sel)} | {m['sad']:.2f} | {m['mse']:.4f} | {m['grad']:.2f} | "
                         f"{m['conn']:.2f} | {m['seconds']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    p = dev_set_parser(__doc__)
    p.add_argument("--band", type=int, default=10, help="dilation of the soft region, px")
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    p.add_argument("--no-baselines", action="store_true")
    args = p.parse_args()
    model = args.model or default_model_path()
    trimaps = band_trimaps(args.alphas, args.alphas.parent / f"trimap_band{args.band}", args.band)
    whole = find_pairs(args.images, args.alphas)
    band = find_pairs(args.images, args.alphas, trimaps)
    if args.limit:
        whole, band = whole[:: max(1, len(whole) // args.limit)], band[:: max(1, len(band) // args.limit)]
    engine = MattingEngine(model, device="cpu")
    if not engine.has_refiner:
        raise SystemExit(f"{model}: this model file has no refiner")
    predictors = {"MSIA network alone (0.2.0)": lambda rgb: engine.predict(rgb, refine=False),
                  "MSIA + refiner": engine.predict}
    if not args.no_baselines:
        for name in ("u2netp", "modnet"):
            predictors[name] = load_baseline(name).predict
    results = {name: score_both(predict, whole, band, name) for name, predict in predictors.items()}
    setting = (f"{len(whole)} dev images from {args.images}; model {Path(model).name}, working side "
               f"{engine.max_side}; band = 0 < alpha < 1 dilated by {args.band} px; SAD, Gradient, "
               "Connectivity /1000; 2 CPU threads, one model at a time")
    text = f"{setting}\n\nWhole image:\n\n{table(results, 'whole')}\n\nInside the band:\n\n{table(results, 'band')}\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "refiner.md").write_text(text)
    (args.out / "refiner.json").write_text(json.dumps({"setting": setting, "results": results}, indent=1))
    print(text)
    base, ref = results["MSIA network alone (0.2.0)"], results["MSIA + refiner"]
    for region in ("whole", "band"):
        ratio = {k: np.mean([r[k] for r in ref[region]]) / np.mean([r[k] for r in base[region]])
                 for k in ("sad", "mse", "grad")}
        print(f"refined / network alone ({region}): " + ", ".join(f"{k} {v:.2f}x" for k, v in ratio.items()))


if __name__ == "__main__":
    main()
