"""Seconds and peak memory per image at about 0.5, 2, 12 and 24 megapixels, for the shipped
EfficientNet-Lite0 model (network + full-resolution refiner with the engine's defaults, fp32
without flip averaging on every machine; with flip; in bf16 where the CPU has it natively (opt-in);
the network alone), the paper's ResNeXt-101 configuration (random weights: timing only), with
u2netp and MODNet on the same images. Each configuration runs in its own process so peak memory
(max RSS) does not mix.

    python bench/inference.py [--repeat 2] [--max-side 512] [--only "engine defaults" modnet]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _checkout import ROOT

ENGINE_KINDS = {"msia": {}, "msia-fp32": {"precision": "fp32", "flip": False}, "msia-bf16": {"precision": "bf16"},
                "msia-fp32-flip": {"precision": "fp32", "flip": True}, "msia-coarse": {"refine": False}}
SIZES = {"0.5 MP": (600, 800), "2 MP": (1224, 1632), "12 MP": (3000, 4000), "24 MP": (4000, 6000)}


def photo(h: int, w: int) -> np.ndarray:
    """A real photo (scikit-image's astronaut) resized to h x w."""
    import cv2
    from skimage import data

    return cv2.resize(data.astronaut(), (w, h), interpolation=cv2.INTER_CUBIC)


def child(kind: str, size: str, repeat: int, max_side: int, model: str | None) -> None:
    """Runs in a subprocess: prints JSON with seconds per image and peak RSS."""
    h, w = SIZES[size]
    rgb = photo(h, w)
    base = peak_rss_mb()
    if kind in ("u2netp", "modnet"):
        from training.baselines import load_baseline

        predict = load_baseline(kind).predict
    else:
        from matting.engine import MattingEngine

        engine = MattingEngine(model, device="cpu", max_side=max_side, **ENGINE_KINDS[kind])
        predict = engine.predict
    predict(rgb)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        predict(rgb)
        times.append(time.perf_counter() - start)
    seconds = float(np.median(times))  # the median: one run slowed by another process does not count
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_mb(), "before_mb": base}))


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not ``getrusage``'s ``ru_maxrss``: Linux keeps
    that across ``exec``, so every child reported the parent's peak (868 MB for every model and
    size in the tables before 2026-12-07)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the best there is


def measure(configs: dict[str, tuple[str, str | None]], repeat: int, max_side: int) -> tuple[dict, list[str]]:
    """Each (configuration, size) in its own process; prints the table as it goes and returns
    the figures and the Markdown lines."""
    lines = [f"load average at the start {os.getloadavg()[0]:.1f} (2 cores: above ~2 the figures are not comparable); "
             f"working resolution (long side) for MSIA: {max_side}; engine defaults: fp32, flip off (every CPU); "
             f"{repeat} timed runs after a warm-up; median seconds per image, peak RSS of the process", "",
             "| model | " + " | ".join(SIZES) + " |", "|---|" + "---:|" * len(SIZES)]
    print("\n".join(lines), flush=True)
    table = {}
    for name, (kind, model) in configs.items():
        cells = []
        for size in SIZES:
            cmd = [sys.executable, __file__, "--child", kind, size, str(repeat), "--max-side", str(max_side)]
            if model:
                cmd += ["--model", model]
            out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            if out.returncode != 0:
                cells.append("failed")
                print(out.stderr[-500:], file=sys.stderr)
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            table[(name, size)] = r
            cells.append(f"{r['seconds']:.2f} s, {r['peak_mb']:.0f} MB")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    return table, lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--max-side", type=int, default=512)
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, default=Path("bench/results/inference.md"))
    p.add_argument("--only", nargs="+", help="run only the configurations whose name holds one of these words")
    args = p.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]), args.max_side, args.model)
        return
    from matting.network import build_msia
    from matting.weights import default_model_path, save_model

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rn101 = save_model(build_msia(backbone="resnext101_32x8d", aspp_channels=256, decoder_channels=256,
                                      fine_channels=64), tmp / "rn101.safetensors", {"name": "resnext101 (random weights)"})
        lite0 = default_model_path()
        if lite0 is None:  # no trained model installed: random weights time the same
            lite0 = save_model(build_msia(backbone="efficientnet_lite0"), tmp / "lite0.safetensors",
                               {"name": "lite0 (random weights)"})
        from matting.engine import cpu_has_bf16

        configs = {"msia lite0 + refiner (engine defaults)": ("msia", str(lite0)),
                   "msia lite0 + refiner, fp32, flip on": ("msia-fp32-flip", str(lite0)),
                   "msia lite0 network alone (engine defaults)": ("msia-coarse", str(lite0)),
                   "msia resnext101 (fp32)": ("msia-fp32", str(rn101)),
                   "u2netp": ("u2netp", None), "modnet": ("modnet", None)}
        if cpu_has_bf16():
            configs["msia lite0 + refiner, bf16 (opt-in)"] = ("msia-bf16", str(lite0))
        if args.only:
            configs = {k: v for k, v in configs.items() if any(w in k for w in args.only)}
        table, lines = measure(configs, args.repeat, args.max_side)
    lines += ["", "Time relative to MODNet on the same image:", ""]
    for name in configs:
        ratios = [f"{size} {table[(name, size)]['seconds'] / table[('modnet', size)]['seconds']:.2f}x"
                  for size in SIZES if (name, size) in table and ("modnet", size) in table]
        lines.append(f"- {name}: " + ", ".join(ratios))
    print("\n".join(lines[-len(configs) - 2:]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")

if __name__ == "__main__":
    main()
