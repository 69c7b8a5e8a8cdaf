"""Does flip averaging help? The engine with and without ``flip`` (the network also sees the
mirrored image and the two alphas are averaged) on the dev set, same images, one run: SAD, MSE,
Gradient, Connectivity and seconds per image.

    python bench/flip_average.py [--model PATH] [--images build/data/dev/image --alphas build/data/dev/alpha]
        [--max-side N] [--limit N] [--out bench/results]

Writes ``OUT/flip_average.md`` (the table and the ratios the README includes).
"""
from __future__ import annotations

from pathlib import Path

from _checkout import ROOT, dev_set_parser  # (and the checkout on sys.path)
from matting.engine import MattingEngine
from matting.evaluation import find_pairs, format_table
from matting.weights import default_model_path
from training.evaluate import describe, evaluate_predictor


def main() -> None:
    p = dev_set_parser(__doc__)
    p.add_argument("--max-side", type=int)
    p.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = p.parse_args()
    pairs = find_pairs(args.images, args.alphas)[: args.limit or None]
    results = []
    for flip in (False, True):
        engine = MattingEngine(args.model or default_model_path(), device="cpu", max_side=args.max_side, flip=flip)
        name = f"{engine.model_info['model']} {engine.max_side} px, flip {'on' if flip else 'off'}"
        results.append(evaluate_predictor(engine.predict, pairs, name))
    off, on = (r.means() for r in results)
    text = "\n\n".join([
        describe(args.images, None, len(results[0].rows)) + "; 2 CPU threads",
        format_table(results),
        f"flip on / off: SAD {on['sad'] / off['sad']:.3f}x, MSE {on['mse'] / off['mse']:.3f}x, "
        f"Gradient {on['grad'] / off['grad']:.3f}x, time {on['seconds'] / off['seconds']:.2f}x"])
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "flip_average.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
