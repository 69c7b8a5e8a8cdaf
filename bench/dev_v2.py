"""Dev set v2: how the model does on subjects beyond pets, per subject group and per source,
against u2netp and MODNet, over three held-out sets:

* base: the dev set 0.2.0 was chosen on (``build/data/dev``: portraits and animal composites,
  pets, horses);
* more: people (Clothing Co-Parsing), DAVIS people, animals and vehicles (whole sequences held
  out), flowers (``build/data_more/dev``, from ``python -m training.data.prepare --sources more
  --out build/data_more``);
* photos: the 14 real photos with hand-drawn trimaps, scored inside the trimap's unknown band
  against the closed-form solution (the photos designers open look most like these; they were in
  0.2.0's training data, so this row flatters 0.2.0).

    python bench/dev_v2.py [--model A.safetensors --model B.safetensors] [--no-baselines]
        [--coarse-too] [--limit N] [--out bench/results]

Each model file is run as the engine runs it by default (its refiner on, when it has one);
``--coarse-too`` also scores the network alone (e.g. 0.2.0 = 0.2.1 without its refiner).
Writes ``OUT/dev_v2.md`` and ``OUT/dev_v2.json``. 2 CPU threads, one model at a time.
"""
from __future__ import annotations

import argparse
import json
from functools import partial
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from _checkout import ROOT
from _devsets import BASE_SOURCES, GROUPS, engine_label, read_sources, score_each, table
from matting.engine import MattingEngine
from matting.evaluation import EvalPair, find_pairs
from matting.imageio import read_gray8, save_image
from matting.weights import default_model_path
from training.baselines import load_baseline
from training.devset import spread
from training.data.pseudo_alpha import trimap_from_labels

MORE_SOURCES = ("people_ccp", "davis_people", "davis_animals", "davis_vehicles", "plants")


def photo_pairs(data: Path, shared: Path, out: Path) -> list[EvalPair]:
    """The trimap photos as ``build/data`` holds them (image, closed-form alpha), with their
    trimaps resized to match and written to ``out``."""
    index = json.loads((data / "index.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    pairs = []
    for r in (r for r in index["pairs"] if r["source"] == "photos"):
        h, w = read_gray8(r["alpha"]).shape
        trimap = read_gray8(shared / "photos/trimaps" / f"{r['stem']}.png")
        trimap = trimap_from_labels(cv2.resize(trimap, (w, h), interpolation=cv2.INTER_NEAREST))
        save_image(out / f"{r['stem']}.png", trimap)
        pairs.append(EvalPair(r["stem"], Path(r["image"]), Path(r["alpha"]), out / f"{r['stem']}.png"))
    return pairs


def source_means(rows: list[dict], key: Callable[[str], str], prefix: str) -> dict[str, dict[str, float]]:
    """Mean SAD, MSE and Gradient (and n) of ``rows`` per ``key(name)``, and over all of them."""
    groups: dict[str, list[dict]] = {"all": rows}
    for row in rows:
        groups.setdefault(prefix + key(row["name"]), []).append(row)
    return {g: {"n": len(sel), **{k: round(float(np.mean([r[k] for r in sel])), 4) for k in ("sad", "mse", "grad")}}
            for g, sel in groups.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, action="append", help="model file(s) (default: the installed one)")
    p.add_argument("--base", type=Path, default=ROOT / "build/data")
    p.add_argument("--more", type=Path, default=ROOT / "build/data_more")
    p.add_argument("--shared", type=Path, default=ROOT.parent / "shared/data")
    p.add_argument("--limit", type=int, default=0, help="at most N images per set (0: all)")
    p.add_argument("--no-baselines", action="store_true")
    p.add_argument("--coarse-too", action="store_true", help="also score each refined model's network alone")
    p.add_argument("--max-side", type=int, help="working resolution for every model (default: each model's own)")
    p.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = p.parse_args()
    source = read_sources(args.base / "dev/image", args.more / "dev/image")
    sets = {
        "base": spread(find_pairs(args.base / "dev/image", args.base / "dev/alpha"), args.limit),
        "more": spread(find_pairs(args.more / "dev/image", args.more / "dev/alpha"), args.limit),
        "photos": photo_pairs(args.base, args.shared, args.base / "photo_trimaps"),
    }
    predictors = {}
    engines = [(path, MattingEngine(path, device="cpu", max_side=args.max_side))
               for path in args.model or [default_model_path()]]
    labels = [engine_label(engine) for _, engine in engines]
    for (path, engine), label in zip(engines, labels):
        if labels.count(label) > 1:  # files of one version (a run's best and last, soups): name each file
            label = f"{label} ({path.parent.name}/{path.stem})"
        predictors[label] = engine.predict
        if args.coarse_too and engine.refine:
            predictors[engine_label(engine, refine=False)] = partial(engine.predict, refine=False)
    if not args.no_baselines:
        for name in ("u2netp", "modnet"):
            predictors[name] = load_baseline(name).predict
    results: dict[str, dict[str, list[dict]]] = {}
    for name, predict in predictors.items():
        results[name] = {s: score_each(predict, {s: pairs}, f"{name} {s}")[s] for s, pairs in sets.items()}

    def group(name: str) -> str:
        return next((g for g, members in GROUPS.items() if source(name) in members), "other")

    joined = {m: r["base"] + r["more"] for m, r in results.items()}
    setting = (f"{len(sets['base'])} base dev images, {len(sets['more'])} dev-v2 images, {len(sets['photos'])} "
               "trimap photos (inside the unknown band, against closed-form); SAD, Gradient, Connectivity /1000; "
               "2 CPU threads")
    text = "\n\n".join([
        setting,
        "By subject group (base + more):", table(joined, group, tuple(GROUPS), "whole image"),
        "By source:", table(joined, source, BASE_SOURCES + MORE_SOURCES, "whole image"),
        "Trimap photos:", table({m: r["photos"] for m, r in results.items()}, lambda _: "photos", (), "unknown band"),
    ]) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "dev_v2.md").write_text(text)
    means = {m: {**source_means(rows, group, "group: "), **source_means(rows, source, "")} for m, rows in joined.items()}
    for m, r in results.items():
        means[m]["trimap photos (unknown band)"] = source_means(r["photos"], lambda _: "x", "")["x"]
    (args.out / "dev_v2.json").write_text(json.dumps({"setting": setting, "means": means, "results": results}, indent=1))
    print(text)


if __name__ == "__main__":
    main()
