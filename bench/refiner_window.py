"""How wide the refiner's window must be: the classic colour guided filter alone (an untrained
refiner: its coefficient net starts at zero) after the shipped network, for several radii and
eps, on the base dev set at the working side the engine uses.

    python bench/refiner_window.py [--limit 24] [--out bench/results]

Writes ``OUT/refiner_window.md``. Chose ``RefinerConfig``'s radius and eps.
"""
from __future__ import annotations

from pathlib import Path

import torch

from _checkout import dev_set_parser
from matting.network.config import RefinerConfig
from matting.network.refiner import GuidedRefiner
from matting.weights import default_model_path, load_model
from training.devset import DevSet

SETTINGS = ((2, 1e-3), (4, 1e-3), (4, 1e-2), (8, 1e-3), (8, 1e-4), (12, 1e-4), (16, 1e-4))


def main() -> None:
    p = dev_set_parser(__doc__)
    p.add_argument("--out", type=Path, default=Path("bench/results"))
    p.add_argument("--max-side", type=int, default=448)
    p.set_defaults(limit=24)
    args = p.parse_args()
    torch.set_num_threads(2)
    net, _ = load_model(args.model or default_model_path())
    net.eval()
    dev = DevSet.from_config({"images": args.images, "alphas": args.alphas, "max_side": args.max_side,
                              "limit": args.limit})
    lines = ["| refiner | radius | eps | SAD | MSE | Gradient |", "|---|---:|---:|---:|---:|---:|"]
    alone = dev.evaluate(net, refine=False)
    lines.append(f"| none (network alone) | | | {alone['sad']:.2f} | {alone['mse']:.4f} | {alone['grad']:.2f} |")
    print(lines[-1], flush=True)
    for radius, eps in SETTINGS:
        net.refiner = GuidedRefiner(RefinerConfig(radius=radius, eps=eps), net.config.fine_channels).eval()
        m = dev.evaluate(net, refine=True)
        lines.append(f"| classic guided filter | {radius} | {eps:g} | {m['sad']:.2f} | {m['mse']:.4f} | {m['grad']:.2f} |")
        print(lines[-1], flush=True)
    text = (f"{alone['n']} base dev images, working side {args.max_side}, whole image; SAD and Gradient /1000; "
            "the network's own coefficients replaced by the classic guided filter's\n\n" + "\n".join(lines) + "\n")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "refiner_window.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
