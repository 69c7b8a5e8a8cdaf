"""EfficientNet-Lite0, -Lite1 and -Lite2 under the MSIA heads, against the speed target "time per
image no more than MODNet's in the same run" (issue 11): parameters, seconds per image through the
engine at the working side (448, and Lite1/Lite2 also at 448 scaled by their ImageNet side,
240/224 and 260/224), the shipped refiner's cost added, MODNet on the same photo in the same
process; and training throughput at the recipe's crop (320 px, batch 4, channels_last).

    python bench/backbones.py [--repeat 7] [--sizes "2 MP" "12 MP"] [--train-steps 2] [--threads 1]

Timing only: the Lite1/Lite2 networks carry random weights (the heads of the shipped model's
config, ``aspp_channels`` 128, ``decoder_channels`` 64, ``fine_channels`` 32); a network's time
does not depend on its weights. The refiner's time does (tiles settled at 0 or 1 are skipped), so
it is measured once per photo on the shipped model (refined minus coarse, same process) and added
to every network. All engines and MODNet run interleaved, one image at a time, ``--repeat`` rounds
after a warm-up; the tables give medians of wall and of CPU time. On a machine busy with other
jobs, 2 threads spin at barriers while the other waits for a core, and both clocks then measure
the scheduler more than the work; one thread each (``--threads 1``, the default) keeps CPU time
the work itself, and the ratios are those of the work (compare within a run).
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from _checkout import ROOT
from inference import SIZES, photo
from train_throughput import measure as train_images_per_s

LITES = ("efficientnet_lite0", "efficientnet_lite1", "efficientnet_lite2")


def params_m(module: torch.nn.Module) -> float:
    return sum(p.numel() for p in module.parameters()) / 1e6


def timing_models(tmp: Path, shipped: Path, side: int) -> tuple[dict[str, tuple[Path, int]], dict[str, tuple[float, float]]]:
    """Model files (random weights, the shipped model's heads, no refiner) for each Lite backbone
    and the working side each runs at; with (network, backbone) parameters in millions."""
    from matting.network import MSIAConfig, build_from_config
    from matting.network.efficientnet_lite import LITE_VARIANTS
    from matting.weights import read_metadata, save_model

    shipped_cfg = read_metadata(shipped)["config"]
    models, params = {}, {}
    for name in LITES:
        torch.manual_seed(0)
        net = build_from_config(MSIAConfig.from_dict({**shipped_cfg, "backbone": name, "refiner": None}))
        path = save_model(net, tmp / f"{name}.safetensors", {"name": f"{name} (random weights)"})
        params[name] = (params_m(net), params_m(net.backbone))
        short = name.replace("efficientnet_", "")
        models[f"{short} @ {side}"] = (path, side)
        native = LITE_VARIANTS[name].resolution
        if native != 224:  # the same field of view per pixel as Lite0 at ``side``
            models[f"{short} @ {round(side * native / 224)}"] = (path, round(side * native / 224))
    return models, params


def timed(fn: Callable[[np.ndarray], object], rgb: np.ndarray) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all the process's threads) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(rgb)
    return time.perf_counter() - wall, time.process_time() - cpu


def time_photo(size: str, models: dict[str, tuple[Path, int]], shipped: Path, side: int,
               repeat: int, threads: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds per image for every engine, MODNet and the shipped model
    (refined and coarse), interleaved round by round on one photo."""
    from matting.engine import MattingEngine
    from training.baselines import load_baseline

    rgb = photo(*SIZES[size])
    shipped_engine = MattingEngine(shipped, device="cpu", max_side=side, flip=False, refine=True)
    runs: dict[str, Callable[[np.ndarray], object]] = {
        "modnet": load_baseline("modnet", threads=threads).predict,
        "shipped refined": shipped_engine.predict,
        "shipped coarse": lambda x: shipped_engine.predict(x, refine=False),
    }
    for label, (path, s) in models.items():
        runs[label] = MattingEngine(path, device="cpu", max_side=s, flip=False, refine=False).predict
    times: dict[str, list[tuple[float, float]]] = {label: [] for label in runs}
    for fn in runs.values():
        fn(rgb)  # warm-up
    for _ in range(repeat):
        for label, fn in runs.items():
            times[label].append(timed(fn, rgb))
    return {label: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t)) for label, t in times.items()}


def network_table(models: dict[str, tuple[Path, int]], repeat: int, aspect: float = 0.75) -> list[str]:
    """The networks alone (no resizing of the photo, no refiner): median CPU seconds of one forward
    pass on a 4:3 input with the long side at each model's side, interleaved."""
    from matting.weights import load_model

    nets = {label: (load_model(path)[0].eval(), torch.rand(1, 3, round(side * aspect), side))
            for label, (path, side) in models.items()}
    times: dict[str, list[float]] = {label: [] for label in nets}
    with torch.inference_mode():
        for round_ in range(repeat + 1):
            for label, (net, x) in nets.items():
                start = time.process_time()
                net(x)
                if round_:  # the first round warms up
                    times[label].append(time.process_time() - start)
    medians = {label: statistics.median(t) for label, t in times.items()}
    lite0 = next(iter(medians.values()))
    lines = ["", f"The networks alone (one forward pass, 4:3 input at the side given, no photo resizing, no refiner), "
             f"median CPU seconds of {repeat} interleaved rounds:", "",
             "| backbone @ side | input | CPU s | vs lite0 |", "|---|---|---:|---:|"]
    for label, m in medians.items():
        h, w = nets[label][1].shape[2:]
        lines.append(f"| {label} | {w}x{h} | {m:.3f} | {m / lite0:.2f}x |")
    print("\n".join(lines), flush=True)
    return lines


def inference_tables(sizes: list[str], models: dict, shipped: Path, side: int, repeat: int, threads: int) -> list[str]:
    lines = [
        "", f"Seconds per image, median of {repeat} interleaved rounds after a warm-up, one process, "
        f"{threads} thread(s) for torch, OpenCV and onnxruntime; scikit-image's astronaut resized to each size. "
        "**wall**: elapsed; **CPU**: CPU seconds of all the process's threads (with one thread, the work "
        "itself: steady when other jobs share the cores, where 2 threads spin at barriers while their "
        "partner waits for a core and wall time depends on the scheduler). "
        "**+ refiner** adds the shipped refiner's cost, measured on the shipped model on the same photo "
        "(refined minus coarse), to the network's. Ratios: to MODNet and to Lite0 at the same side, same run.",
    ]
    lite0 = f"lite0 @ {side}"
    for size in sizes:
        t = time_photo(size, models, shipped, side, repeat, threads)
        print(f"{size}: " + ", ".join(f"{k} {w:.3f} s wall {c:.3f} s CPU" for k, (w, c) in t.items()), flush=True)
        refiner = [r - c for r, c in zip(t["shipped refined"], t["shipped coarse"])]
        mod = t["modnet"]
        lines += ["", f"**{size}** (MODNet {mod[0]:.3f} s wall, {mod[1]:.3f} s CPU; shipped model refined "
                  f"{t['shipped refined'][0]:.3f} / {t['shipped refined'][1]:.3f}, coarse {t['shipped coarse'][0]:.3f} / "
                  f"{t['shipped coarse'][1]:.3f}; refiner cost {refiner[0]:.3f} s wall, {refiner[1]:.3f} s CPU)", "",
                  "| backbone @ side | network wall | network CPU | + refiner wall | + refiner CPU | vs MODNet wall "
                  "| vs MODNet CPU | network vs lite0 (CPU) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for label in models:
            net = t[label]
            total = [n + r for n, r in zip(net, refiner)]
            lines.append(f"| {label} | {net[0]:.3f} | {net[1]:.3f} | {total[0]:.3f} | {total[1]:.3f} | "
                         f"{total[0] / mod[0]:.2f}x | {total[1] / mod[1]:.2f}x | {net[1] / t[lite0][1]:.2f}x |")
    return lines


def params_table(params: dict[str, tuple[float, float]]) -> list[str]:
    from matting.network.efficientnet_lite import LITE_VARIANTS

    lines = ["", "| backbone | ImageNet side | network params (M) | backbone params (M) |", "|---|---:|---:|---:|"]
    for name, (total, trunk) in params.items():
        lines.append(f"| {name.replace('efficientnet_', '')} | {LITE_VARIANTS[name].resolution} | {total:.2f} | {trunk:.2f} |")
    return lines


def training_table(shipped_cfg: dict, steps: int, size: int = 320, batch: int = 4) -> list[str]:
    """Training cost with the shipped heads and each backbone, one after another in one process."""
    lines = [
        "", f"Training cost: forward, loss, backward, SGD step on random batches of {batch} at {size} px, "
        f"channels_last, {steps} steps after a warm-up step (data loading excluded), {torch.get_num_threads()} "
        "torch threads, CPU seconds of all threads:", "",
        "| backbone | CPU s/step | vs lite0 |", "|---|---:|---:|",
    ]
    cpu_per_step = {}
    for name in LITES:
        model_cfg = {**shipped_cfg, "backbone": name, "refiner": None}
        cpu_per_step[name] = batch / train_images_per_s(model_cfg, size, batch, steps, channels_last=True,
                                                        clock=time.process_time)
        print(f"train {name}: {cpu_per_step[name]:.2f} CPU s/step", flush=True)
    for name, s in cpu_per_step.items():
        lines.append(f"| {name.replace('efficientnet_', '')} | {s:.2f} | {s / cpu_per_step['efficientnet_lite0']:.2f}x |")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--sizes", nargs="+", default=["2 MP", "12 MP"], choices=list(SIZES))
    p.add_argument("--max-side", type=int, default=448, help="the working side (the shipped model's)")
    p.add_argument("--model", type=Path, default=None, help="the shipped model (default: the installed one)")
    p.add_argument("--train-steps", type=int, default=2, help="0: skip the training cost")
    p.add_argument("--threads", type=int, default=1,
                   help="threads for torch, OpenCV and MODNet (1: CPU time measures the work on a busy machine)")
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/backbones.md")
    args = p.parse_args()
    from matting.weights import read_metadata, require_default_model

    import cv2

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)
    shipped = args.model or require_default_model()
    with tempfile.TemporaryDirectory() as d:
        models, params = timing_models(Path(d), shipped, args.max_side)
        sizes = " ".join(f'"{s}"' for s in args.sizes)
        lines = [f"Shipped model: {shipped.name} ({read_metadata(shipped).get('version', '?')}); working side "
                 f"{args.max_side}; `python bench/backbones.py --repeat {args.repeat} --sizes {sizes} "
                 f"--train-steps {args.train_steps} --threads {args.threads}`"]
        lines += params_table(params)
        lines += network_table(models, args.repeat)
        lines += inference_tables(args.sizes, models, shipped, args.max_side, args.repeat, args.threads)
    if args.train_steps:
        lines += training_table(read_metadata(shipped)["config"], args.train_steps)
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
