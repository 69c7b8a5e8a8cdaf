"""Evaluate models on a test set and print the paper's table (SAD, MSE, Gradient, Connectivity
over the whole image, or a trimap's unknown region; see ``matting.metrics``) with seconds per
image; several models side by side (e.g. the four ablation variants of Table 3 as several
``--model`` files, or ours against u2netp and MODNet).

    python -m training.evaluate --images build/data/dev/image --alphas build/data/dev/alpha \\
        --model resources/models/msia-matte-lite0.safetensors --baselines u2netp,modnet \\
        --markdown results.md --json results.json

Images, alphas (and trimaps) are matched by file stem. Seconds per image count only the model's
``predict`` (not reading or scoring), after one untimed warm-up call per model. A file that
cannot be read is skipped, named on stderr and listed under ``failed`` in the JSON.

Public: ``evaluate_predictor(predict, pairs, name) -> Evaluation`` (also used for a quick dev-set
check during training), ``run(...) -> list[Evaluation]``, ``write_outputs``, ``main``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
from tqdm import tqdm

from matting.errors import MattingError
from matting.files import atomic_write
from matting.evaluation import EvalPair, EvalResult, evaluate, find_pairs, format_table

from .baselines import BASELINES, DEFAULT_DIR, load_baseline

Predict = Callable[[np.ndarray], np.ndarray]


Evaluation = EvalResult  # rows, failed files, means, to_json (one definition, in matting.evaluation)


def evaluate_predictor(predict: Predict, pairs: Sequence[EvalPair], name: str = "model",
                       progress: bool = True, warmup: bool = True) -> Evaluation:
    """Run ``predict(rgb) -> HxW float alpha`` over ``pairs`` and score every image
    (``matting.evaluation.evaluate``: unreadable or mismatched files are skipped and listed in
    ``failed``; the first readable image is predicted once untimed when ``warmup``)."""
    bar = tqdm(total=len(pairs), desc=name[:30], unit="img", disable=not progress, file=sys.stderr)

    def on_row(row: dict) -> None:
        if "error" in row:
            tqdm.write(f"{name}: skipped {row['name']}: {row['error']}", file=sys.stderr)
        bar.update(1)

    result = evaluate(name, predict, pairs, on_row=on_row, warmup=warmup)
    bar.close()
    return result


def predictors(models: Iterable[Path], baselines: Iterable[str], models_dir: Path | None = None,
               max_side: int | None = None, device: str = "auto") -> Iterator[tuple[str, Predict]]:
    """(name, predict) for each of our model files (through the engine) and each baseline."""
    from matting.engine import MattingEngine

    for path in models:
        engine = MattingEngine(path, device=device, max_side=max_side)
        yield f"{engine.model_info['model']} ({Path(path).name}, {engine.max_side} px)", engine.predict
    for name in baselines:
        model = load_baseline(name, models_dir)
        yield model.name, model.predict


def run(images: Path, alphas: Path, trimaps: Path | None, models: Sequence[Path], baselines: Sequence[str],
        models_dir: Path | None = None, max_side: int | None = None, device: str = "auto",
        limit: int | None = None, progress: bool = True) -> list[Evaluation]:
    """Every model over the same pairs, one after another (so timings do not overlap)."""
    pairs = find_pairs(images, alphas, trimaps)
    if limit:
        pairs = pairs[:limit]
    return [evaluate_predictor(predict, pairs, name, progress)
            for name, predict in predictors(models, baselines, models_dir, max_side, device)]


def write_outputs(results: Sequence[Evaluation], markdown: Path | None = None, json_path: Path | None = None,
                  setting: str = "") -> None:
    """The table as Markdown and everything (means, per-image rows, failures) as JSON, atomically."""
    if markdown:
        atomic_write(Path(markdown), ((f"{setting}\n\n" if setting else "") + format_table(list(results)) + "\n").encode())
    if json_path:
        payload = {"setting": setting, "models": [r.to_json() for r in results]}
        atomic_write(Path(json_path), (json.dumps(payload, indent=1) + "\n").encode())


def describe(images: Path, trimaps: Path | None, n: int) -> str:
    region = f"unknown region of {trimaps}" if trimaps else "whole image (trimap-free)"
    return (f"{n} images from {images}; metrics over the {region}; SAD, Gradient, Connectivity /1000, "
            "MSE mean over counted pixels")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=Path, required=True)
    p.add_argument("--alphas", type=Path, required=True)
    p.add_argument("--trimaps", type=Path, help="score the unknown region (128) only")
    p.add_argument("--model", type=Path, action="append", default=[], help="our model file; repeat for several")
    p.add_argument("--baselines", default="", help=f"comma list from: {','.join(BASELINES)}")
    p.add_argument("--models-dir", type=Path, default=DEFAULT_DIR, help="where u2netp.onnx and modnet.onnx are")
    p.add_argument("--max-side", type=int, help="our engine's working long side (default: the model's)")
    p.add_argument("--device", default="auto")
    p.add_argument("--limit", type=int, help="only the first N images")
    p.add_argument("--per-image", action="store_true", help="also print one row per image")
    p.add_argument("--markdown", type=Path)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    baselines = [b.strip() for b in args.baselines.split(",") if b.strip()]
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        p.error(f"unknown baseline(s) {', '.join(unknown)}; choose from {', '.join(BASELINES)}")
    if not args.model and not baselines:
        p.error("nothing to evaluate: give --model and/or --baselines")
    try:
        results = run(args.images, args.alphas, args.trimaps, args.model, baselines, args.models_dir,
                      args.max_side, args.device, args.limit)
    except (MattingError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    n = max((len(r.rows) for r in results), default=0)
    setting = describe(args.images, args.trimaps, n)
    print(setting)
    print(format_table(list(results)))
    if args.per_image:
        for r in results:
            print(f"\n{r.model}\n" + format_table([r], per_image=True))
    write_outputs(results, args.markdown, args.json, setting)
    failed = sum(len(r.failed) for r in results)
    if failed:
        print(f"{failed} file(s) skipped; see above", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
