"""The real-photo scoreboard (training/scoreboard.py): real photographs only, whole image, per
source mean / median / worst 10 % / IoU < 0.8, for MSIA models and the two baselines.

    python bench/real_photos.py                       # the shipped model + u2netp + MODNet
    python bench/real_photos.py --model runs/releases/msia-0.2.1.safetensors --side 448 --side 512
    python bench/real_photos.py --no-baselines --model A --model B --name ablation

MSIA models run through the engine in fp32 without flip averaging unless asked (the path a CPU
without bf16 takes; ``--precision bf16 --flip`` for others), refiner on. Writes
``bench/results/NAME.md`` (the report half: the figures to quote), ``NAME_selection.md`` (the
half choices are made on) and ``NAME.json`` (every photo's row). Rows are cached per model file
and settings in ``build/scoreboard_cache`` (``--fresh`` ignores the cache).
"""
from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Callable

from _checkout import ROOT

import numpy as np
from tqdm import tqdm

from training.scoreboard import HALVES, LABELS, paired, per_source, score_model, scoreboard_photos

CACHE = ROOT / "build" / "scoreboard_cache"


def file_digest(path: Path) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:12]


def msia_runner(path: Path, side: int | None, precision: str, flip: bool, refine: bool):
    """(label, cache key, predict) for one MSIA model file and its settings."""
    from matting.engine import MattingEngine

    engine = MattingEngine(path, max_side=side, precision=precision, flip=flip, refine=refine)
    version = engine.model_info["version"]
    if not version or "-" in version or Path(path).parent.name not in ("models", "releases"):
        version = f"{Path(path).parent.name}/{Path(path).stem}"  # a candidate: a run's best and last share a version
    settings = f"{engine.max_side}, {engine.precision}" + (", flip" if engine.flip else "") + ("" if engine.refine else ", no refiner")
    label = f"MSIA {version} ({settings})"
    key = f"msia_{file_digest(path)}_{engine.max_side}_{engine.precision}_{int(engine.flip)}_{int(engine.refine)}"
    return label, key, engine.predict


def baseline_runner(name: str):
    from training.baselines import load_baseline

    model = load_baseline(name)
    return {"u2netp": "u2netp", "modnet": "MODNet"}[name], f"baseline_{name}", model.predict


def cached_rows(key: str, photos, predict: Callable[[np.ndarray], np.ndarray], label: str, fresh: bool) -> list[dict]:
    names = hashlib.sha1("\n".join(p.name for p in photos).encode()).hexdigest()[:8]
    path = CACHE / f"{key}_{names}.json"
    if path.is_file() and not fresh:  # sources and halves as the scoreboard names them now
        where = {p.name: {"source": p.source, "half": p.half} for p in photos}
        return [{**r, **where[r["name"]]} for r in json.loads(path.read_text())]
    rows = score_model(predict, photos, lambda ps: tqdm(ps, desc=label[:40], unit="img"))
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows))
    return rows


def compact_table(results: dict[str, list[dict]], half: str) -> str:
    """Sources down, models across: mean SAD with the worst 10 % in brackets, and failures."""
    tables = {m: per_source(rows, half) for m, rows in results.items()}
    models = list(tables)
    lines = ["| source (n) | " + " | ".join(models) + " |", "|---|" + "---:|" * len(models)]
    for source in [s for s in LABELS if any(s in t for t in tables.values())] + ["all"]:
        n = next(t[source]["n"] for t in tables.values() if source in t)
        cells = []
        best = min(t[source]["sad"] for t in tables.values() if source in t)
        for m in models:
            t = tables[m].get(source)
            if t is None:
                cells.append("")
                continue
            text = f"{t['sad']:.2f} ({t['worst']:.1f})"
            cells.append(f"**{text}**" if t["sad"] == best else text)
        name = "all (mean of sources)" if source == "all" else LABELS[source]
        lines.append(f"| {name} ({n}) | " + " | ".join(cells) + " |")
    fails = [str(tables[m]["all"]["iou_fail"]) for m in models]
    lines.append("| photos with IoU < 0.8 | " + " | ".join(fails) + " |")
    return "\n".join(lines)


def detail_table(results: dict[str, list[dict]], half: str) -> str:
    lines = ["| model | source | n | SAD mean | median | worst 10 % | IoU < 0.8 | IoU | Gradient | mask SAD | mask IoU |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for model, rows in results.items():
        for source, t in per_source(rows, half).items():
            mask = f"{t['mask_sad']:.2f} | {t['mask_iou']:.3f}" if "mask_sad" in t else " | "
            lines.append(f"| {model} | {LABELS.get(source, 'all')} | {t['n']} | {t['sad']:.2f} | {t['median']:.2f} | "
                         f"{t['worst']:.2f} | {t['iou_fail']} | {t['iou']:.3f} | {t['grad']:.2f} | {mask} |")
    return "\n".join(lines)


def paired_table(results: dict[str, list[dict]], half: str) -> str:
    """Every other model against the first, photo by photo: better / worse (median change)."""
    models = list(results)
    reference, others = models[0], models[1:]
    tables = {m: paired(results[reference], results[m], half) for m in others}
    lines = [f"Photo by photo against {reference}, {half} half: photos better / worse by more than 0.05 "
             "SAD /1000 (median change of SAD).", "",
             "| source (n) | " + " | ".join(others) + " |", "|---|" + "---:|" * len(others)]
    for source in next(iter(tables.values())):
        n = tables[others[0]][source]["n"]
        cells = [f"{t[source]['better']} / {t[source]['worse']} ({t[source]['median_change']:+.2f})" for t in tables.values()]
        lines.append(f"| {'all photos' if source == 'all' else LABELS[source]} ({n}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_report(results: dict[str, list[dict]], name: str) -> list[Path]:
    """The tables of each half scored (and every row as JSON); returns the tables to print (the
    per-source ones and, for more than one model, the photo-by-photo ones)."""
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    scored = {r["half"] for rows in results.values() for r in rows}
    shown = []
    for half in (h for h in HALVES if h in scored):
        stem = name if half == "report" else f"{name}_{half}"
        text = (f"Real photos, whole image, {half} half; SAD /1000, mean (mean of the worst 10 %); "
                f"written by `python bench/real_photos.py`.\n\n{compact_table(results, half)}\n")
        (out / f"{stem}.md").write_text(text)
        shown.append(out / f"{stem}.md")
        (out / f"{stem}_detail.md").write_text(detail_table(results, half) + "\n")
        if len(results) > 1:
            (out / f"{stem}_paired.md").write_text(paired_table(results, half) + "\n")
            shown.append(out / f"{stem}_paired.md")
    (out / f"{name}.json").write_text(json.dumps(results, indent=0))
    return shown


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, action="append", default=[], help="MSIA model file (default: the shipped one)")
    p.add_argument("--side", type=int, action="append", default=[], help="working side(s) (default: each model's)")
    p.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "auto"))
    p.add_argument("--flip", action="store_true", help="flip averaging on")
    p.add_argument("--no-refiner", action="store_true")
    p.add_argument("--no-baselines", action="store_true")
    p.add_argument("--name", default="real_photos", help="results file stem in bench/results")
    p.add_argument("--fresh", action="store_true", help="ignore cached rows")
    p.add_argument("--half", choices=HALVES, default=None, help="score one half only (default: both)")
    args = p.parse_args()
    photos = scoreboard_photos(half=args.half)
    if not photos:
        raise SystemExit("no scoreboard photos: run python -m training.data.prepare (base and --sources more) first")
    print(f"{len(photos)} photos: " + ", ".join(f"{h} {sum(p.half == h for p in photos)}" for h in HALVES))
    from matting.weights import require_default_model

    runners = []
    for model in args.model or [require_default_model()]:
        for side in args.side or [None]:
            runners.append(lambda m=model, s=side: msia_runner(m, s, args.precision, args.flip, not args.no_refiner))
    if not args.no_baselines:
        runners += [lambda n=n: baseline_runner(n) for n in ("u2netp", "modnet")]
    results = {}
    for make in runners:
        label, key, predict = make()
        results[label] = cached_rows(key, photos, predict, label, args.fresh)
    for table in write_report(results, args.name):
        print(table.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
