"""Clicks against error on the real-photo scoreboard: how fast does a designer's clicking fix the
automatic matte, with the network listening to the clicks and with today's quick-selection brush?

    python bench/strokes.py [--model PATH] [--half report] [--clicks 10] [--limit 0]

Protocol (the project's own, after the interactive segmentation papers' "NoC"): start from the
model's automatic matte (engine defaults: fp32, no flip, refiner on). Each click goes on the
largest wrong region (``matting.guidance.simulate_click``: where matte and reference disagree at
0.5, the point farthest inside the larger region; "subject" where the subject was missed,
"background" where background was kept), as a disc of ``matting.guidance.click_radius`` (1.5 % of
the long side). The same click protocol drives both methods, each on its own matte:

- ``network``: every click so far goes to the network as guidance (``engine.predict(rgb,
  guidance=strokes)``), which re-decides the whole matte, refiner included;
- ``quick select``: the click is a dab of today's quick-selection brush
  (``matting.quick_select.quick_select``) on the previous matte.

Prints and writes ``bench/results/strokes.md`` (mean / median SAD /1000 after 0, 1, 2, 3, 5 and 10
clicks, the share of photos at SAD <= 10 and IoU >= 0.95 after 5 clicks) and the curve
``docs/strokes_curve.png``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from _checkout import ROOT

import numpy as np
from PIL import Image, ImageDraw
from tqdm import tqdm

from matting.engine import MattingEngine
from matting.guidance import Strokes, click_radius, simulate_click
from matting.metrics import sad
from matting.quick_select import quick_select
from training.scoreboard import iou, scoreboard_photos
from training.devset import spread

SHOWN = (0, 1, 2, 3, 5, 10)
METHODS = ("network", "quick select")


def unit_ref(ref: np.ndarray) -> np.ndarray:
    return ref.astype(np.float32) / 255.0


def run_photo(engine: MattingEngine, rgb: np.ndarray, ref: np.ndarray, clicks: int) -> dict[str, list[tuple[float, float]]]:
    """(SAD, IoU) after 0..clicks clicks, per method."""
    truth = unit_ref(ref)
    start = engine.predict(rgb)
    radius = click_radius(rgb.shape)
    out = {}
    for method in METHODS:
        alpha, strokes = start, Strokes.empty(*rgb.shape[:2])
        curve = []
        for k in range(clicks + 1):
            curve.append((sad(alpha, truth), iou(alpha >= 0.5, truth >= 0.5)))
            if k == clicks:
                break
            click = simulate_click(alpha, truth)
            if click is None:
                curve += [curve[-1]] * (clicks - k)
                break
            y, x, positive = click
            if method == "network":
                strokes.add_click(y, x, positive, radius)
                alpha = engine.predict(rgb, guidance=strokes)
            else:
                alpha = quick_select(rgb, alpha, [(x, y)], radius, add=positive)
        out[method] = curve
    return out


def plot(curves: dict[str, np.ndarray], path: Path, width: int = 640, height: int = 380) -> None:
    """Mean SAD against clicks, one line per method (PIL only: no plotting library needed)."""
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    left, right, top, bottom = 60, width - 20, 30, height - 50
    top_value = max(float(c.max()) for c in curves.values()) * 1.05
    n = len(next(iter(curves.values()))) - 1
    xy = lambda k, v: (left + (right - left) * k / n, bottom - (bottom - top) * v / top_value)
    d.line([(left, top), (left, bottom), (right, bottom)], fill="black")
    for k in range(n + 1):
        x, _ = xy(k, 0)
        d.line([(x, bottom), (x, bottom + 4)], fill="black")
        d.text((x - 3, bottom + 8), str(k), fill="black")
    step = max(1, round(top_value / 5))
    for v in range(step, int(top_value) + 1, step):  # whole-number ticks, each where its value is
        _, y = xy(0, v)
        d.line([(left - 4, y), (right, y)], fill=(225, 225, 225))
        d.text((8, y - 6), str(v), fill="black")
    colours = {"network": (200, 40, 40), "quick select": (40, 90, 200)}
    for i, (method, c) in enumerate(curves.items()):
        d.line([xy(k, v) for k, v in enumerate(c)], fill=colours[method], width=3)
        d.text((right - 150, top + 16 * i), f"{method}", fill=colours[method])
    d.text((left, bottom + 26), "clicks (each on the largest wrong region)", fill="black")
    d.text((left, 8), "mean SAD /1000 on the scoreboard's real photos (lower is better)", fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)


def curve_path(out: Path) -> Path:
    """The README's curve for the default table; a table written elsewhere gets its curve beside it."""
    default = ROOT / "bench" / "results" / "strokes.md"
    return ROOT / "docs" / "strokes_curve.png" if out.resolve() == default.resolve() else out.with_suffix(".png")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--half", default="report", choices=("report", "selection"))
    p.add_argument("--clicks", type=int, default=10)
    p.add_argument("--limit", type=int, default=0, help="at most N photos, spread over the half (0: all)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "strokes.md")
    p.add_argument("--plot-only", action="store_true", help="redraw the curve from the rows of the last run (OUT.json)")
    args = p.parse_args()
    if args.plot_only:
        rows = json.loads(args.out.with_suffix(".json").read_text())
        plot({m: np.array([[s for s, _ in r[m]] for r in rows]).mean(0) for m in METHODS}, curve_path(args.out))
        return 0
    engine = MattingEngine(args.model, device="cpu", precision="fp32", flip=False)
    if not engine.takes_strokes:
        raise SystemExit(f"{engine.path}: this model does not take strokes")
    photos = spread(scoreboard_photos(half=args.half), args.limit or None)
    rows = []
    for photo in tqdm(photos, unit="photo"):
        rgb, ref, _ = photo.read()
        rows.append({"name": photo.name, "source": photo.source, **run_photo(engine, rgb, ref, args.clicks)})
    sads = {m: np.array([[s for s, _ in r[m]] for r in rows]) for m in METHODS}
    ious = {m: np.array([[i for _, i in r[m]] for r in rows]) for m in METHODS}
    shown = [k for k in SHOWN if k <= args.clicks]
    lines = [f"Real photos ({args.half} half, {len(rows)} photos, model {engine.model_info['version']}, fp32, no flip); "
             "SAD /1000 mean (median) after k clicks; written by `python bench/strokes.py`.", "",
             "| method | " + " | ".join(f"{k} clicks" for k in shown) + " | SAD <= 10 after 5 | IoU >= 0.95 after 5 |",
             "|---|" + "---:|" * (len(shown) + 2)]
    for m in METHODS:
        cells = [f"{sads[m][:, k].mean():.2f} ({np.median(sads[m][:, k]):.2f})" for k in shown]
        k5 = min(5, args.clicks)
        cells += [f"{(sads[m][:, k5] <= 10).mean():.0%}", f"{(ious[m][:, k5] >= 0.95).mean():.0%}"]
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps(rows))
    plot({m: sads[m].mean(0) for m in METHODS}, curve_path(args.out))
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
