"""Does the automatic refinement help? ``matting.refine.refine_auto`` runs closed-form matting on a
narrow band around the network's own soft edge, with the network's alpha as the fixed pixels
around the band, as a prior (weight ``prior``) and as the solver's starting point. This prints SAD
and MSE (``matting.metrics``, whole image) of the network's alpha and of each refined variant
against the alphas of ../shared/data/pseudo_gt, and the extra seconds per photo.

    python bench/refine_auto.py                       # the installed model
    python bench/refine_auto.py --simulate            # no model: GT blurred, as a stand-in
    python bench/refine_auto.py --split dev           # only the stems training held out
        [--bands 3 6 10] [--priors 0 1e-4 1e-3] [--max-long 800] [--model PATH]

``--simulate`` stands in for a network with the ground truth blurred (sigma 0.6 % of the long
side) and its contrast raised around 0.5: a soft, slightly wrong edge. ``--split dev|train`` reads
the split of each stem from build/data/index.json (written by ``training.data.prepare``); the
shipped model saw the ``train`` photos, so figures on them flatter the network.

The table (with the setting above it) is also written to ``--out`` (default
``bench/results/refine_auto.md``), which ``bench/paste_results.py`` pastes into docs/benchmarks.md.

Earlier runs of ``--split dev --bands 6 10 --priors 0 1e-3`` (with flip averaging on, as 0.2.0
first shipped) ranked band 10 with prior 0 best, so refinement is offered (``--refine-edges``, the
app's Edit > Refine edges, the batch option) with prior 0 and a band of 1.25 % of the long side
(10 px at 800 px); it costs ~2 s per photo, so it is not on by default.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from _checkout import ROOT
from matting.evaluation import find_pairs
from matting.imageio import load_image, read_gray
from matting.metrics import mse, sad, to_unit
from matting.refine import refine_auto
from matting.sizing import fit_long_side

DATA = ROOT.parent / "shared" / "data" / "pseudo_gt"


def simulated_network(gt: np.ndarray) -> np.ndarray:
    """A stand-in for a network's alpha: the ground truth blurred, contrast raised around 0.5."""
    sigma = 0.006 * max(gt.shape)
    soft = cv2.GaussianBlur(gt.astype(np.float32), (0, 0), sigma)
    return np.clip((soft - 0.5) * 1.5 + 0.5, 0, 1)


def split_of(index: Path) -> dict[str, str]:
    if not index.is_file():
        return {}
    return {p["stem"]: p["split"] for p in json.loads(index.read_text())["pairs"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=Path, default=DATA / "images")
    p.add_argument("--alphas", type=Path, default=DATA / "alphas")
    p.add_argument("--bands", type=int, nargs="+", default=[3, 6, 10])
    p.add_argument("--priors", type=float, nargs="+", default=[0.0, 1e-4, 1e-3])
    p.add_argument("--max-long", type=int, default=800, help="photos are resized to this long side first")
    p.add_argument("--simulate", action="store_true", help="blurred ground truth instead of a model")
    p.add_argument("--model", type=Path, help="model file (default: the installed one)")
    p.add_argument("--split", choices=("dev", "train"), help="only stems of this split (build/data/index.json)")
    p.add_argument("--index", type=Path, default=ROOT / "build" / "data" / "index.json")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "refine_auto.md",
                   help="where the Markdown table goes")
    args = p.parse_args()

    pairs = find_pairs(args.images, args.alphas)
    if args.split:
        splits = split_of(args.index)
        pairs = [pr for pr in pairs if splits.get(pr.name) == args.split]
    if args.simulate:
        source, predict = "simulated (blurred ground truth)", None
    else:
        from matting.engine import MattingEngine

        engine = MattingEngine(args.model, device="cpu")
        flip = "flip averaging on" if engine.flip else "flip averaging off"
        source, predict = f"{engine.model_info['model']} {engine.model_info['version']}, {flip}", engine.predict
    variants = [(b, pr) for b in args.bands for pr in args.priors]
    rows: dict[str, list[tuple[float, float, float]]] = {"network": []}
    for b, pr in variants:
        rows[f"auto band {b}, prior {pr:g}"] = []
    for pair in pairs:
        rgb = load_image(pair.image).rgb
        rgb = fit_long_side(rgb, args.max_long)
        gt = cv2.resize(to_unit(read_gray(pair.alpha)).astype(np.float32), rgb.shape[1::-1], interpolation=cv2.INTER_AREA)
        alpha = simulated_network(gt) if predict is None else predict(rgb)
        rows["network"].append((sad(alpha, gt), mse(alpha, gt), 0.0))
        for b, pr in variants:
            t = time.perf_counter()
            refined = refine_auto(rgb, alpha, band_px=b, prior=pr)
            rows[f"auto band {b}, prior {pr:g}"].append((sad(refined, gt), mse(refined, gt), time.perf_counter() - t))
        print(f"{pair.name}: network SAD {rows['network'][-1][0]:.2f}, best refined "
              f"{min(v[-1][0] for k, v in rows.items() if k != 'network'):.2f}", flush=True)
    base = np.array(rows["network"])
    lines = [f"`python bench/refine_auto.py {' '.join(sys.argv[1:])}`: {len(pairs)} photos ({args.split or 'all'}) "
             f"at <= {args.max_long} px; alpha: {source}; SAD /1000 and MSE over the whole image", "",
             "| matte | SAD | MSE | photos better (SAD) | extra s/img |", "|---|---:|---:|---:|---:|"]
    for k, v in rows.items():
        v = np.array(v)
        better = int((v[:, 0] < base[:, 0] - 1e-9).sum())
        lines.append(f"| {k} | {v[:, 0].mean():.3f} | {v[:, 1].mean():.5f} | {better}/{len(v)} | {v[:, 2].mean():.2f} |")
    print("\n" + "\n".join(lines))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
