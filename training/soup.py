"""Weight-space interpolation of two model files of one architecture ("WiSE-FT", Wortsman et
al. 2022): ``(1 - t) * A + t * B`` for every floating-point tensor.

When B was fine-tuned from A on new data, points between them often keep most of what A did well
and most of what B learned; t = 0 is A, t = 1 is B. Batch-norm running statistics are
interpolated like the weights (their counters are taken from B). ``--mean`` averages several
files instead (checkpoints of one run's last epochs: less of the noise of a high learning rate).

    python -m training.soup --a resources/models/msia-matte-lite0.safetensors \\
        --b runs/msia-0.3.0-rc2.safetensors --t 0.5 --out runs/soup_050.safetensors
    python -m training.soup --mean runs/x/epoch_7.safetensors runs/x/epoch_8.safetensors --out runs/x_mean.safetensors
"""
from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import torch

from matting.weights import load_model, save_model


def interpolate(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], t: float) -> dict[str, torch.Tensor]:
    """``(1 - t) * a + t * b`` tensor by tensor; integer tensors (counters) come from ``b``, and so
    do tensors only ``b`` holds (the guidance convolutions of a model that takes strokes, soup-ed
    with one from before them: ``b``'s strokes keep their full say)."""
    if not set(a) <= set(b):
        raise ValueError(f"the two models hold different tensors: {sorted(set(a) - set(b))[:3]}")
    out = {}
    for name, tb in b.items():
        ta = a.get(name)
        if ta is None:
            out[name] = tb.clone()
            continue
        if ta.shape != tb.shape:
            raise ValueError(f"{name}: shapes differ ({tuple(ta.shape)} vs {tuple(tb.shape)})")
        out[name] = torch.lerp(ta.float(), tb.float(), t).to(tb.dtype) if tb.is_floating_point() else tb.clone()
    return out


def average(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The mean of ``states`` tensor by tensor (integer tensors from the last), as running
    interpolations: mean_k = mean_(k-1) + (x_k - mean_(k-1)) / k."""
    mean = states[0]
    for k, state in enumerate(states[1:], start=2):
        mean = interpolate(mean, state, 1.0 / k)
    return mean


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", type=Path, help="model file at t = 0")
    parser.add_argument("--b", type=Path, help="model file at t = 1 (its metadata is kept)")
    parser.add_argument("--t", type=float, help="position between A (0) and B (1)")
    parser.add_argument("--mean", type=Path, nargs="+", help="average these files instead (the last one's metadata is kept)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not args.mean and (args.a is None or args.b is None or args.t is None):
        parser.error("give --a, --b and --t, or --mean FILE...")
    paths = args.mean or [args.a, args.b]
    models = [load_model(path) for path in paths]
    model, meta = models[-1]
    if any(replace(m.config, guidance=model.config.guidance) != model.config for m, _ in models):
        raise SystemExit(f"{', '.join(map(str, paths))}: different network configs")
    states = [m.state_dict() for m, _ in models]
    meta["version"] = f"{meta.get('version', '')}-soup"  # benches label models by version
    if args.mean:
        model.load_state_dict(average(states))
        meta["soup"] = {"mean": [str(p) for p in paths]}
        print(f"{args.out}: mean of {', '.join(p.name for p in paths)}")
    else:
        model.load_state_dict(interpolate(states[0], states[1], args.t))
        meta["soup"] = {"a": str(args.a), "b": str(args.b), "t": args.t}
        print(f"{args.out}: (1 - {args.t}) * {args.a.name} + {args.t} * {args.b.name}")
    save_model(model, args.out, meta)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
