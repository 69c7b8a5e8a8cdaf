"""Does flip averaging help, and does bf16 cost quality? The engine with and without ``flip``
(the network also sees the mirrored image and the two alphas are averaged), in fp32 and, on a CPU
with native bfloat16, in bf16 autocast (the engine's default there), on the dev set, same images,
one run: SAD, MSE, Gradient, Connectivity and seconds per image.

    python bench/flip_average.py [--model PATH] [--images build/data/dev/image --alphas build/data/dev/alpha]
        [--max-side N] [--limit N] [--out bench/results]

Writes ``OUT/flip_average.md`` (the table and the ratios docs/benchmarks.md includes).
"""
from __future__ import annotations

from pathlib import Path

from _checkout import ROOT, dev_set_parser  # (and the checkout on sys.path)
from matting.engine import MattingEngine, cpu_has_bf16
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
    precisions = ("fp32", "bf16") if cpu_has_bf16() else ("fp32",)
    for precision in precisions:
        for flip in (False, True):
            engine = MattingEngine(args.model or default_model_path(), device="cpu", max_side=args.max_side,
                                   flip=flip, precision=precision)
            name = f"{engine.model_info['model']} {engine.max_side} px, {precision}, flip {'on' if flip else 'off'}"
            results.append(evaluate_predictor(engine.predict, pairs, name))
    means = [r.means() for r in results]
    lines = [ratio_line("fp32, flip on / off", means[1], means[0])]
    if len(means) == 4:
        lines += [ratio_line("bf16 / fp32, flip off", means[2], means[0]),
                  ratio_line("bf16 flip on / fp32 flip off", means[3], means[0])]
    text = "\n\n".join([
        describe(args.images, None, len(results[0].rows)) + "; 2 CPU threads",
        format_table(results), "\n".join(f"- {line}" for line in lines)])
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "flip_average.md").write_text(text + "\n")


def ratio_line(label: str, a: dict, b: dict) -> str:
    return (f"{label}: SAD {a['sad'] / b['sad']:.3f}x, MSE {a['mse'] / b['mse']:.3f}x, "
            f"Gradient {a['grad'] / b['grad']:.3f}x, time {a['seconds'] / b['seconds']:.2f}x")


if __name__ == "__main__":
    main()
