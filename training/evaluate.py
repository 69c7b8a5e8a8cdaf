"""Evaluate models on a test set and print the paper's table (SAD, MSE, Gradient, Connectivity
over the whole image, or a trimap's unknown region) with seconds per image; several models side
by side (e.g. the four ablation variants of Table 3, or ours against u2netp and MODNet).

    python -m training.evaluate --images build/data/dev/image --alphas build/data/dev/alpha \\
        --model resources/models/msia-matte-lite0.safetensors --baselines u2netp,modnet \\
        --markdown results.md --json results.json
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from tqdm import tqdm

from matting.evaluation import EvalResult, evaluate, find_pairs, format_table

from .baselines import load_baseline


def predictors(models: list[Path], baselines: list[str], models_dir: Path | None, max_side: int | None, device: str):
    """(name, predict) for each of our model files and each baseline."""
    from matting.engine import MattingEngine

    for path in models:
        engine = MattingEngine(path, device=device, max_side=max_side)
        yield f"{engine.model_info['model']} ({path.name}, {engine.max_side} px)", engine.predict
    for name in baselines:
        model = load_baseline(name, models_dir)
        yield model.name, model.predict


def run(images: Path, alphas: Path, trimaps: Path | None, models: list[Path], baselines: list[str],
        models_dir: Path | None = None, max_side: int | None = None, device: str = "auto",
        limit: int | None = None) -> list[EvalResult]:
    pairs = find_pairs(images, alphas, trimaps)
    if limit:
        pairs = pairs[:limit]
    results = []
    for name, predict in predictors(models, baselines, models_dir, max_side, device):
        predict(load_warmup(pairs[0].image))  # first-call costs (JIT, allocation) are not per-image time
        bar = tqdm(total=len(pairs), desc=name[:30], unit="img")
        results.append(evaluate(name, predict, pairs, on_row=lambda _r: bar.update(1)))
        bar.close()
    return results


def load_warmup(path: Path):
    from matting.imageio import load_image

    return load_image(path).rgb


def write_outputs(results: list[EvalResult], markdown: Path | None, json_path: Path | None) -> None:
    if markdown:
        markdown.write_text(format_table(results) + "\n")
    if json_path:
        json_path.write_text(json.dumps([{"model": r.model, "means": r.means(), "rows": r.rows} for r in results], indent=1))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=Path, required=True)
    p.add_argument("--alphas", type=Path, required=True)
    p.add_argument("--trimaps", type=Path)
    p.add_argument("--model", type=Path, action="append", default=[], help="our model file; repeat for several")
    p.add_argument("--baselines", default="", help="comma list: u2netp,modnet")
    p.add_argument("--models-dir", type=Path, help="where u2netp.onnx and modnet.onnx are (default ../shared/models)")
    p.add_argument("--max-side", type=int)
    p.add_argument("--device", default="auto")
    p.add_argument("--limit", type=int)
    p.add_argument("--per-image", action="store_true")
    p.add_argument("--markdown", type=Path)
    p.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    baselines = [b for b in args.baselines.split(",") if b]
    results = run(args.images, args.alphas, args.trimaps, args.model, baselines, args.models_dir, args.max_side,
                  args.device, args.limit)
    print(format_table(results, per_image=args.per_image))
    write_outputs(results, args.markdown, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
