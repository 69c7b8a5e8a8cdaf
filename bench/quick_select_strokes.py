"""Strokes against error: how many brush strokes does fixing the shipped model's matte take with
today's foreground / background brushes (paint, then Apply) and with the quick-selection brush?

    python bench/quick_select_strokes.py [--methods grabcut geodesic superpixels] [--strokes 10]
        [--max-long 800] [--cache DIR] [--out bench/results/quick_select_strokes.md]

Data: the 14 photos of ../shared/data/photos with their trimaps. Reference: closed-form matting of
each trimap (known pixels as the trimap says, the unknown band solved; ``matting.refine``), computed
once and cached in ``--cache`` (default build/bench-cache/quick_select) with the shipped model's
matte of each photo.

Strokes are generated from the errors, the same way for every brush, and replayed one at a time,
each on the matte the previous strokes left: the largest wrong region (8-connected pixels where
the matte and the reference disagree about alpha >= 0.5, at least ``MIN_AREA`` px) gets one stroke
along its long axis, through its thickest point of each slice, with the radius that keeps the disc
inside the region (0.8 of the median inscribed radius along the stroke, 2-40 px): a foreground
stroke where the subject is missing, a background stroke where background was kept. Today's
brushes fix what they paint (and re-solve the matte's soft pixels near it:
``matting.refine.refine_with_strokes``, as the app's Apply); the quick-selection brush grows the same
stroke to the image's edges (``matting.quick_select``). SAD (/1000, whole image) against the reference
after each stroke is printed, and the table (also written to ``--out``) gives per photo the strokes
each brush needs to reach the error today's brushes reach with the full stroke budget.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from _checkout import ROOT
from matting.imageio import load_image, read_gray, save_alpha
from matting.metrics import sad, to_unit
from matting.quick_select import METHODS, quick_select, rasterise_stroke
from matting.refine import normalize_trimap, refine_with_strokes, refine_with_trimap
from matting.sizing import fit_long_side

DATA = ROOT.parent / "shared" / "data" / "photos"
MIN_AREA = 40  # px: smaller wrong regions are left alone (a designer would not stroke them)
MAX_RADIUS = 40


def reference_and_network(stem: str, rgb: np.ndarray, trimap: np.ndarray, cache: Path, engine) -> tuple[np.ndarray, np.ndarray]:
    """The closed-form reference of the trimap and the network's matte, cached as 16-bit PNGs."""
    out = []
    for name, make in (("reference", lambda: refine_with_trimap(rgb, trimap)), ("network", lambda: engine().predict(rgb))):
        path = cache / f"{stem}_{name}_{rgb.shape[1]}x{rgb.shape[0]}.png"
        if not path.is_file():
            t = time.perf_counter()
            save_alpha(path, make(), bit_depth=16)
            print(f"  {stem}: {name} computed in {time.perf_counter() - t:.1f} s (cached in {path.parent})", flush=True)
        out.append(to_unit(read_gray(path)).astype(np.float32))
    return out[0], out[1]


def next_stroke(alpha: np.ndarray, ref: np.ndarray) -> tuple[list[tuple[float, float]], float, bool] | None:
    """(points, radius, add) of the stroke through the largest wrong region; None when none is left."""
    best = None
    for add, wrong in ((True, (ref >= 0.5) & (alpha < 0.5)), (False, (ref < 0.5) & (alpha >= 0.5))):
        n, labels, stats, _c = cv2.connectedComponentsWithStats(wrong.astype(np.uint8), connectivity=8)
        if n > 1:
            i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
            area = int(stats[i, cv2.CC_STAT_AREA])
            if area >= MIN_AREA and (best is None or area > best[0]):
                best = (area, add, labels == i)
    if best is None:
        return None
    _area, add, region = best
    dist = cv2.distanceTransform(region.astype(np.uint8), cv2.DIST_L2, 5)
    ys, xs = np.nonzero(region)
    centre = np.array([xs.mean(), ys.mean()])
    coords = np.stack([xs, ys], 1) - centre
    axis = np.linalg.svd(coords, full_matrices=False)[2][0]  # the long axis
    along = coords @ axis
    step = max(2.0, float(dist.max()))
    bins = np.floor((along - along.min()) / step).astype(int)
    spine = []
    for b in np.unique(bins):
        members = np.flatnonzero(bins == b)
        k = members[np.argmax(dist[ys[members], xs[members]])]
        spine.append((float(xs[k]), float(ys[k]), float(dist[ys[k], xs[k]])))
    radius = float(np.clip(0.8 * np.median([d for *_p, d in spine]), 2, MAX_RADIUS))
    points = [(x, y) for x, y, d in spine if d >= radius] or [max(spine, key=lambda p: p[2])[:2]]
    return points, radius, add


def paint_and_apply(rgb: np.ndarray, alpha: np.ndarray, points, radius: float, add: bool) -> np.ndarray:
    """Today's brushes: a foreground (or background) stroke, then Apply."""
    mask = rasterise_stroke(points, radius, alpha.shape)
    return refine_with_strokes(rgb, alpha, fg=mask if add else None, bg=None if add else mask)


def replay(rgb, alpha, ref, brush, budget: int) -> tuple[list[float], list[float]]:
    """SAD after 0..budget strokes (the last value repeats once no wrong region is left) and the
    seconds each stroke took."""
    sads, seconds = [sad(alpha, ref)], []
    for _ in range(budget):
        stroke = next_stroke(alpha, ref)
        if stroke is None:
            sads.append(sads[-1])
            continue
        t = time.perf_counter()
        alpha = brush(rgb, alpha, *stroke)
        seconds.append(time.perf_counter() - t)
        sads.append(sad(alpha, ref))
    return sads, seconds


def strokes_to_reach(sads: list[float], target: float) -> int | None:
    for i, v in enumerate(sads):
        if v <= target + 1e-9:
            return i
    return None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=Path, default=DATA / "images")
    p.add_argument("--trimaps", type=Path, default=DATA / "trimaps")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--strokes", type=int, default=10, help="stroke budget per photo and brush")
    p.add_argument("--max-long", type=int, default=800, help="photos are reduced to this long side first")
    p.add_argument("--limit", type=int, default=0, help="only the first N photos")
    p.add_argument("--model", type=Path, help="model file (default: the installed one)")
    p.add_argument("--cache", type=Path, default=ROOT / "build" / "bench-cache" / "quick_select")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "quick_select_strokes.md")
    args = p.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    engine_box = []

    def engine():
        if not engine_box:
            from matting.engine import MattingEngine

            engine_box.append(MattingEngine(args.model, device="cpu"))
        return engine_box[0]

    brushes = {"erase/restore": paint_and_apply}
    for m in args.methods:
        brushes[f"quick select ({m})"] = lambda rgb, a, pts, r, add, m=m: quick_select(rgb, a, pts, r, add, m)
    photos = sorted(args.images.iterdir())[: args.limit or None]
    curves: dict[str, list[list[float]]] = {k: [] for k in brushes}
    times: dict[str, list[float]] = {k: [] for k in brushes}
    stems = []
    for path in photos:
        rgb = load_image(path).rgb
        trimap = normalize_trimap(read_gray(args.trimaps / f"{path.stem}.png"))
        rgb, trimap = fit_long_side(rgb, args.max_long), fit_long_side(trimap, args.max_long, cv2.INTER_NEAREST)
        ref, network = reference_and_network(path.stem, rgb, trimap, args.cache, engine)
        stems.append(path.stem)
        line = [f"{path.stem} ({rgb.shape[1]}x{rgb.shape[0]}): network SAD {sad(network, ref):.2f}"]
        for name, brush in brushes.items():
            sads, secs = replay(rgb, network, ref, brush, args.strokes)
            curves[name].append(sads)
            times[name].extend(secs)
            line.append(f"{name}: " + " ".join(f"{v:.2f}" for v in sads))
        print("\n  ".join(line), flush=True)

    base = "erase/restore"
    lines = [f"`python bench/quick_select_strokes.py {' '.join(sys.argv[1:])}`: {len(stems)} photos of "
             f"../shared/data/photos at <= {args.max_long} px; start: the shipped model's matte; reference: closed-form "
             f"matting of each trimap; SAD /1000 over the whole image; strokes generated from the largest wrong region "
             f"(bench docstring), at most {args.strokes} per photo and brush.", "",
             "Mean SAD after N strokes:", "",
             "| brush | " + " | ".join(str(n) for n in range(args.strokes + 1)) + " | s/stroke |",
             "|---|" + "---:|" * (args.strokes + 2)]
    for name, c in curves.items():
        mean = np.array(c).mean(0)
        lines.append(f"| {name} | " + " | ".join(f"{v:.2f}" for v in mean) + f" | {np.mean(times[name] or [0]):.2f} |")
    lines += ["", f"Strokes needed to reach the SAD that {base} reaches with {args.strokes} strokes "
              f"(-: not reached within {args.strokes}):", "",
              "| photo | network SAD | target SAD | " + " | ".join(curves) + " |",
              "|---|---:|---:|" + "---:|" * len(curves)]
    totals = {k: 0 for k in curves}
    base_totals = {k: 0 for k in curves}  # the base brush's strokes on the photos ``k`` reached
    reached = {k: 0 for k in curves}
    for i, stem in enumerate(stems):
        target = curves[base][i][-1]
        cells = []
        for name, c in curves.items():
            n = strokes_to_reach(c[i], target)
            cells.append("-" if n is None else str(n))
            if n is not None:
                totals[name] += n
                base_totals[name] += strokes_to_reach(curves[base][i], target)
                reached[name] += 1
        lines.append(f"| {stem} | {curves[base][i][0]:.2f} | {target:.2f} | " + " | ".join(cells) + " |")
    lines.append("| **total on the photos reached** (photos; erase/restore on the same photos) | | | " +
                 " | ".join(f"**{totals[k]}** ({reached[k]}/{len(stems)}; {base_totals[k]})" for k in curves) + " |")
    print("\n" + "\n".join(lines))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
