"""Weight-space interpolation of two model files of one architecture ("WiSE-FT", Wortsman et
al. 2022): ``(1 - t) * A + t * B`` for every floating-point tensor.

When B was fine-tuned from A on new data, points between them often keep most of what A did well
and most of what B learned; t = 0 is A, t = 1 is B. Batch-norm running statistics are
interpolated like the weights (their counters are taken from B).

    python -m training.soup --a resources/models/msia-matte-lite0.safetensors \\
        --b runs/msia-0.3.0-rc2.safetensors --t 0.5 --out runs/soup_050.safetensors
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from matting.weights import load_model, save_model


def interpolate(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], t: float) -> dict[str, torch.Tensor]:
    """``(1 - t) * a + t * b`` tensor by tensor; integer tensors (counters) come from ``b``."""
    if set(a) != set(b):
        raise ValueError(f"the two models hold different tensors: {sorted(set(a) ^ set(b))[:3]}")
    out = {}
    for name, tb in b.items():
        ta = a[name]
        if ta.shape != tb.shape:
            raise ValueError(f"{name}: shapes differ ({tuple(ta.shape)} vs {tuple(tb.shape)})")
        out[name] = torch.lerp(ta.float(), tb.float(), t).to(tb.dtype) if tb.is_floating_point() else tb.clone()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", type=Path, required=True, help="model file at t = 0")
    parser.add_argument("--b", type=Path, required=True, help="model file at t = 1 (its metadata is kept)")
    parser.add_argument("--t", type=float, required=True, help="position between A (0) and B (1)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    model_a, _ = load_model(args.a)
    model_b, meta = load_model(args.b)
    if model_a.config.to_dict() != model_b.config.to_dict():
        raise SystemExit(f"{args.a} and {args.b} have different network configs")
    model_b.load_state_dict(interpolate(model_a.state_dict(), model_b.state_dict(), args.t))
    meta["soup"] = {"a": str(args.a), "b": str(args.b), "t": args.t}
    save_model(model_b, args.out, meta)
    print(f"{args.out}: (1 - {args.t}) * {args.a.name} + {args.t} * {args.b.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
