"""Ship a trained model: copy a run's best (or last) export into resources/models/ with the
metadata a user needs (what data, which dev split, the measured figures, the recommended working
resolution), and write the run's log summary next to the config.

    python -m training.ship --run runs/lite0 [--which best] [--max-side 512] [--compare bench/results/compare.json]
        [--summary docs/training_logs/lite0_summary.json] [--model runs/refiner/best.safetensors]

A run that started from another model (``recipe.init``, a second stage) records that model's
name, steps, recipe and training summary under ``init_model``. ``--model`` ships another file
made from the run (the run's network with a refiner trained on it, ``training.train_refiner``)
with the run's training record. The data summary counts the pairs of every prepared root.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from matting.weights import DEFAULT_MODEL_NAME, MODELS_DIR, load_model, read_metadata, save_model


def summarise_log(log_path: Path) -> dict:
    """Per-epoch means of the loss terms, dev figures, throughput and wall time."""
    records = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    steps = [r for r in records if "loss" in r]
    devs = [r for r in records if "dev" in r]
    epochs = sorted({r["epoch"] for r in steps})
    per_epoch = []
    for e in epochs:
        rows = [r for r in steps if r["epoch"] == e]
        dev = next((d["dev"] for d in devs if d["epoch"] == e), None)
        per_epoch.append({"epoch": e, "last_step": rows[-1]["step"], "lr_end": rows[-1]["lr"],
                          "loss": float(np.mean([r["loss"] for r in rows])), "l1": float(np.mean([r["l1"] for r in rows])),
                          "one_minus_ssim": float(np.mean([r["ssim"] for r in rows])), "w_ssim": rows[-1]["w_ssim"],
                          "images_per_s": float(np.mean([r["images_per_s"] for r in rows])), "dev": dev})
    return {"steps": steps[-1]["step"] if steps else 0, "hours": (records[-1]["time"] - records[0]["time"]) / 3600 if records else 0,
            "images_per_s": float(np.mean([r["images_per_s"] for r in steps])) if steps else 0, "epochs": per_epoch}


def data_summary(roots: list[Path]) -> dict:
    """Training pairs per source and the dev stems of prepared roots (``training.data.prepare``)."""
    pairs = [r for root in roots for r in json.loads((root / "index.json").read_text())["pairs"]]
    return {
        "train_pairs": {s: sum(1 for r in pairs if r["source"] == s and r["split"] == "train")
                        for s in sorted({r["source"] for r in pairs})},
        "dev_stems": sorted(r["stem"] for r in pairs if r["split"] == "dev"),
        "prepared_by": "python -m training.data.prepare --shared ../shared/data --out build/data; "
                       "python -m training.data.prepare --sources more --out build/data_more",
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.ship", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", type=Path, required=True)
    p.add_argument("--which", default="best", choices=("best", "last"))
    p.add_argument("--model", type=Path, help="ship this file made from the run instead of RUN/WHICH.safetensors")
    p.add_argument("--max-side", type=int, default=512, help="recommended working resolution (from bench/resolution_curve.py)")
    p.add_argument("--flip-average", action="store_true",
                   help="the engine averages with the mirrored image by default (from bench/flip_average.py)")
    p.add_argument("--compare", type=Path, help="bench/compare.py JSON to record in the metadata")
    p.add_argument("--dev-figures", type=Path,
                   help="bench/dev_v2.py JSON: its per-source means (every model it scored) go in the metadata")
    p.add_argument("--version", help="the version to ship under (a soup's file says e.g. 0.3.0-soup)")
    p.add_argument("--out", type=Path, default=MODELS_DIR / DEFAULT_MODEL_NAME)
    p.add_argument("--summary", type=Path, default=Path("docs/training_logs/lite0_summary.json"))
    args = p.parse_args(argv)
    model, meta = load_model(args.model or args.run / f"{args.which}.safetensors")
    summary = summarise_log(args.run / "log.jsonl")
    data = meta.get("data", {})
    if data.get("layout", "prepared") == "prepared" and data.get("roots"):
        meta["data_summary"] = data_summary([Path(root) for root in data["roots"]])
    init = meta.get("recipe", {}).get("init")
    if init and Path(init).is_file():  # a second stage: keep the first stage's record
        first = read_metadata(init)
        meta["init_model"] = {k: first.get(k) for k in ("name", "version", "date", "steps", "recipe", "training_summary")}
    if args.version:
        meta["version"] = args.version
    meta["recommended_max_side"] = args.max_side
    meta["flip_average"] = args.flip_average
    meta["training_summary"] = {k: v for k, v in summary.items() if k != "epochs"}
    if args.compare and args.compare.is_file():
        payload = json.loads(args.compare.read_text())  # training.evaluate.write_outputs' JSON
        meta["dev_comparison"] = {"setting": payload.get("setting", ""),
                                  "models": [{"model": r["model"], **r["means"]} for r in payload["models"]]}
    if args.dev_figures and args.dev_figures.is_file():
        payload = json.loads(args.dev_figures.read_text())
        meta["dev_figures"] = {"setting": payload["setting"], "means": payload["means"]}
    save_model(model, args.out, meta, half=True)
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(json.dumps(summary, indent=1))
    print(f"shipped {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); summary in {args.summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
