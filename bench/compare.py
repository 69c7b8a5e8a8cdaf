"""Ours against u2netp and MODNet on the held-out dev set, same images, one run: SAD, MSE,
Gradient, Connectivity and seconds per image (issue 5's table).

    python bench/compare.py [--images build/data/dev/image --alphas build/data/dev/alpha]
        [--model resources/models/msia-matte-lite0.safetensors] [--max-side N] [--out bench/results]

The dev set is written by ``python -m training.data.prepare`` (see its docstring for which files).
"""
from __future__ import annotations

from pathlib import Path

from _checkout import dev_set_parser  # (and the checkout on sys.path)
from matting.evaluation import format_table
from matting.weights import default_model_path
from training.evaluate import describe, run, write_outputs


def main() -> None:
    p = dev_set_parser(__doc__)
    p.add_argument("--max-side", type=int)
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    args = p.parse_args()
    model = args.model or default_model_path()
    results = run(args.images, args.alphas, None, [model], ["u2netp", "modnet"], max_side=args.max_side,
                  device="cpu", limit=args.limit)
    setting = describe(args.images, None, len(results[0].rows)) + "; 2 CPU threads, one model at a time"
    write_outputs(results, args.out / "compare.md", args.out / "compare.json", setting)
    print(setting)
    print(format_table(results))
    ours, *others = results
    for other in others:
        print(f"ours / {other.model}: SAD {ours.means()['sad'] / other.means()['sad']:.2f}x, "
              f"MSE {ours.means()['mse'] / other.means()['mse']:.2f}x, "
              f"time {ours.means()['seconds'] / other.means()['seconds']:.2f}x")


if __name__ == "__main__":
    main()
