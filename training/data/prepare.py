"""Build the training and dev data from ``../shared/data`` (reproducible, seeded).

    python -m training.data.prepare --shared ../shared/data --out build/data

Writes ``OUT/{image,alpha,fg}/<stem>.png`` (image long side <= 800 px for the 33 pseudo-GT
photos and the 14 trimap photos, <= 480 px for pets and horses), ``index.json`` (every kept pair
with source, split and review stats), ``dropped.json`` (dropped pairs and why), contact sheets
``contact_<source>.png`` (image | alpha | cutout on green) and a fixed dev set
``OUT/dev/{image,alpha}/`` of composites and real photos. Foreground colours are estimated once
(pymatting ``estimate_foreground_ml``) and cached in ``fg/``.

Sources: pseudo_gt (model-made alphas, used as they are), oxford_pets (hand-drawn trimaps) and
weizmann_horse (masks -> a band of 1 % of the long side) through closed-form matting, photos
(trimaps; no ground truth: train only, they bring objects unlike animals and people).
Dev split (held out from training): 6 pseudo-GT (3 portraits, 3 animals), 40 pets, 20 horses,
chosen by ``numpy.random.default_rng(0)`` over the sorted stems.

``--sources more`` builds the subjects beyond pets into their own root (``build/data_more``), so
the base data and its dev set stay exactly as 0.2.0 was trained and scored on them:

    python -m training.data.prepare --sources more --out build/data_more

people (``people_ccp``: Clothing Co-Parsing masks, coarse superpixel edges, so a 2 % band), DAVIS
frames grouped by what the sequence shows (``davis_people``, ``davis_animals``,
``davis_vehicles``: precise masks, 1 % band) and flowers (``plants``: hand-drawn trimaps), each
through closed-form matting and the same review. Dev v2 is held out by image for people and
plants and *by sequence* for DAVIS (frames of one sequence are near-duplicates), chosen by
``default_rng(1)``. ``dev/sources.json`` names each dev image's source.
"""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from matting.files import atomic_write
from matting.imageio import read_gray8, read_rgb8
from matting.sizing import fit_long_side

from .pseudo_alpha import closed_form_alpha, trimap_from_labels, review, trimap_from_mask

DEV_COUNTS = {"pseudo_gt_portrait": 3, "pseudo_gt_animal": 3, "pets": 40, "horses": 20}
MORE_DEV_COUNTS = {"people_ccp": 40, "plants": 60}  # by image
MORE_DEV_SEQUENCES = {"davis_people": 2, "davis_animals": 2, "davis_vehicles": 2}  # by sequence
DAVIS_GROUPS = {
    "davis_people": ("bmx-trees", "breakdance", "dance-twirl", "kite-surf", "parkour", "paragliding-launch"),
    "davis_animals": ("blackswan", "camel", "cows", "dog", "goat", "horsejump-high", "libby"),
    "davis_vehicles": ("car-roundabout", "car-shadow", "drift-chicane", "drift-straight", "motocross-jump",
                       "scooter-black", "soapbox"),
}
DAVIS_MIN_MEAN = 0.002  # precise masks: keep small subjects (a rider far away covers ~1 %)
DEV_BACKGROUNDS_PER_FG = 2


@dataclass
class Job:
    source: str
    stem: str
    image: str
    label: str  # alpha, trimap or mask file
    kind: str  # "alpha" | "trimap" | "mask"
    max_side: int
    split: str = "train"
    band: float = 0.01  # unknown band of a mask's trimap, fraction of the long side
    group: str = ""  # the video sequence a frame belongs to (split by group, never by frame)
    min_mean: float = 0.03  # review: smallest subject kept, as a fraction of the frame


def read_rgb(path: str | Path) -> np.ndarray:
    return read_rgb8(path)


def read_gray(path: str | Path) -> np.ndarray:
    """A label as stored; palette trimaps keep their index values."""
    return read_gray8(path, palette_index=True)


def process(job: Job) -> dict:
    """One pair: resize, alpha (given or solved), review, foreground colour."""
    from pymatting import estimate_foreground_ml

    rgb = fit_long_side(read_rgb(job.image), job.max_side)
    h, w = rgb.shape[:2]
    label = read_gray(job.label)
    trimap = None
    if job.kind == "alpha":
        alpha = cv2.resize(label, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    else:
        label = cv2.resize(label, (w, h), interpolation=cv2.INTER_NEAREST)
        trimap = trimap_from_labels(label) if job.kind == "trimap" else trimap_from_mask(label, job.band)
        try:
            alpha = closed_form_alpha(rgb, trimap)
        except Exception as exc:  # the solver can fail on degenerate trimaps
            return {"job": asdict(job), "dropped": f"closed-form failed: {exc}"}
    reason, stats = review(alpha, trimap, job.min_mean)
    if reason:
        return {"job": asdict(job), "dropped": reason, "stats": stats}
    fg = estimate_foreground_ml(rgb.astype(np.float64) / 255.0, alpha.astype(np.float64))
    return {"job": asdict(job), "rgb": rgb, "alpha": alpha, "fg": fg, "stats": stats}


def gather_jobs(shared: Path) -> list[Job]:
    jobs: list[Job] = []
    for img in sorted((shared / "pseudo_gt/images").iterdir()):
        src = "pseudo_gt_portrait" if img.stem.startswith("p3m") else "pseudo_gt_animal"
        jobs.append(Job(src, img.stem, str(img), str(shared / "pseudo_gt/alphas" / f"{img.stem}.png"), "alpha", 800))
    for folder, src, kind in (("masks/oxford_pets", "pets", "trimap"), ("masks/weizmann_horse", "horses", "mask")):
        for img in sorted((shared / folder / "images").iterdir()):
            label = shared / folder / "masks" / f"{img.stem}.png"
            if label.is_file():
                jobs.append(Job(src, img.stem, str(img), str(label), kind, 480))
    for img in sorted((shared / "photos/images").iterdir()):
        label = shared / "photos/trimaps" / f"{img.stem}.png"
        if label.is_file():
            jobs.append(Job("photos", img.stem, str(img), str(label), "trimap", 800))
    return jobs


def davis_group(sequence: str) -> str:
    for source, sequences in DAVIS_GROUPS.items():
        if sequence in sequences:
            return source
    raise ValueError(f"DAVIS sequence {sequence!r} is in no group of DAVIS_GROUPS")


def gather_more_jobs(shared: Path) -> list[Job]:
    """Subjects beyond pets: people, DAVIS frames by group, flowers (see the module docstring)."""
    jobs: list[Job] = []
    folder = shared / "masks/ccp_person"
    for img in sorted((folder / "images").iterdir()):
        label = folder / "masks" / f"{img.stem}.png"
        if label.is_file():
            jobs.append(Job("people_ccp", f"ccp_{img.stem}", str(img), str(label), "mask", 640, band=0.02))
    folder = shared / "masks/davis2016"
    for img in sorted((folder / "images").iterdir()):
        label = folder / "masks" / f"{img.stem}.png"
        sequence = img.stem.rsplit("_", 1)[0]
        if label.is_file():
            jobs.append(Job(davis_group(sequence), f"davis_{img.stem}", str(img), str(label), "mask", 640,
                            group=sequence, min_mean=DAVIS_MIN_MEAN))
    folder = shared / "masks/oxford17_flowers"
    for img in sorted((folder / "images").iterdir()):
        label = folder / "trimaps" / f"{img.stem}.png"
        if label.is_file():
            jobs.append(Job("plants", f"flower_{img.stem}", str(img), str(label), "trimap", 256))
    return jobs


def _choose(rng: np.random.Generator, names: list[str], count: int) -> set[str]:
    return set(rng.choice(sorted(names), size=min(count, len(names)), replace=False).tolist())


def assign_dev(jobs: list[Job], seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for source, count in DEV_COUNTS.items():
        chosen = _choose(rng, [j.stem for j in jobs if j.source == source], count)
        for j in jobs:
            if j.source == source and j.stem in chosen:
                j.split = "dev"


def assign_more_dev(jobs: list[Job], seed: int = 1) -> None:
    """Dev v2 of the ``more`` sources: by image, and whole sequences for DAVIS."""
    rng = np.random.default_rng(seed)
    for source, count in MORE_DEV_COUNTS.items():
        chosen = _choose(rng, [j.stem for j in jobs if j.source == source], count)
        for j in (j for j in jobs if j.source == source and j.stem in chosen):
            j.split = "dev"
    for source, count in MORE_DEV_SEQUENCES.items():
        chosen = _choose(rng, list({j.group for j in jobs if j.source == source}), count)
        for j in (j for j in jobs if j.source == source and j.group in chosen):
            j.split = "dev"


def write_png(path: Path, array: np.ndarray) -> None:
    """An 8-bit PNG, atomically (fast OpenCV encoding, no metadata)."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(array, cv2.COLOR_RGB2BGR) if array.ndim == 3 else array)
    if not ok:
        raise OSError(f"{path}: cannot encode")
    atomic_write(path, data.tobytes())


def to_u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 255.0), 0, 255).astype(np.uint8)


def contact_sheet(records: list[dict], out: Path, thumb: int = 160, per_row: int = 4) -> None:
    """Rows of image | alpha | cutout over green, for reviewing pseudo-alphas by eye."""
    tiles = []
    for r in records:
        rgb, fg = (cv2.cvtColor(read_rgb(r[k]), cv2.COLOR_RGB2BGR) for k in ("image", "fg"))
        alpha = read_gray(r["alpha"])
        a = alpha.astype(np.float32)[..., None] / 255.0
        green = np.zeros_like(fg, dtype=np.float32)
        green[..., 1] = 255
        cut = (a * fg + (1 - a) * green).astype(np.uint8)
        row = [cv2.resize(x if x.ndim == 3 else cv2.cvtColor(x, cv2.COLOR_GRAY2BGR), (thumb, thumb)) for x in (rgb, alpha, cut)]
        tile = np.concatenate(row, axis=1)
        cv2.putText(tile, r["stem"][:22], (3, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 255), 1)
        tiles.append(tile)
    if not tiles:
        return
    while len(tiles) % per_row:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.concatenate(tiles[i : i + per_row], axis=1) for i in range(0, len(tiles), per_row)]
    write_png(out, cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_BGR2RGB))


def build_dev_set(out: Path, kept: list[dict], backgrounds: list[Path], seed: int = 0) -> int:
    """Dev composites (pseudo-GT subjects over BSDS test backgrounds, DIM rule, rounded) and the
    other dev images as photographed, with their pseudo-alphas; ``sources.json`` names each
    dev image's source."""
    from .compose import composite, fit_background

    rng = np.random.default_rng(seed)
    sources: dict[str, str] = {}
    for r in (r for r in kept if r["split"] == "dev"):
        alpha = read_gray(r["alpha"])
        if r["source"].startswith("pseudo_gt"):
            fg = read_rgb(r["fg"])
            for k in range(DEV_BACKGROUNDS_PER_FG):
                bg = read_rgb(backgrounds[int(rng.integers(len(backgrounds)))])
                bg = fit_background(bg, *alpha.shape)
                write_png(out / "image" / f"{r['stem']}_{k}.png", composite(fg, alpha, bg))
                write_png(out / "alpha" / f"{r['stem']}_{k}.png", alpha)
                sources[f"{r['stem']}_{k}"] = r["source"]
        else:
            write_png(out / "image" / f"{r['stem']}.png", read_rgb(r["image"]))
            write_png(out / "alpha" / f"{r['stem']}.png", alpha)
            sources[r["stem"]] = r["source"]
    if sources:
        (out / "sources.json").write_text(json.dumps(sources, indent=1, sort_keys=True))
    return len(sources)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.data.prepare", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shared", type=Path, default=Path("../shared/data"))
    p.add_argument("--out", type=Path, default=Path("build/data"))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--limit", type=int, default=0, help="only the first N jobs per source (smoke runs)")
    p.add_argument("--sources", choices=("base", "more"), default="base",
                   help="base: what 0.2.0 was trained on; more: people, DAVIS and plants (into their own --out)")
    args = p.parse_args(argv)
    start = time.perf_counter()
    gather, assign = (gather_jobs, assign_dev) if args.sources == "base" else (gather_more_jobs, assign_more_dev)
    jobs = gather(args.shared)
    if args.limit:
        per: dict[str, int] = {}
        jobs = [j for j in jobs if per.setdefault(j.source, 0) < args.limit and not per.update({j.source: per[j.source] + 1})]
    assign(jobs)
    kept, dropped = [], []
    # spawn, not fork: the caller may already run OpenMP threads (torch), which fork would break
    pool = ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) if args.workers > 1 else None
    results = pool.map(process, jobs, chunksize=4) if pool else map(process, jobs)
    with pool or contextlib.nullcontext():
        for res in tqdm(results, total=len(jobs), desc="prepare", unit="pair"):
            job = res["job"]
            if "dropped" in res:
                dropped.append({**job, "reason": res["dropped"], "stats": res.get("stats")})
                continue
            rec = {**job, "stats": res["stats"]}
            for key, arr in (("image", res["rgb"]), ("alpha", to_u8(res["alpha"])), ("fg", to_u8(res["fg"]))):
                path = args.out / key / f"{job['stem']}.png"
                write_png(path, arr)
                rec[key] = str(path.resolve())
            kept.append(rec)
    backgrounds = sorted((args.shared / "backgrounds/bsds500").glob("test_*"))
    n_dev = build_dev_set(args.out / "dev", kept, backgrounds)
    (args.out / "index.json").write_text(json.dumps({"pairs": kept, "dev_images": n_dev}, indent=1))
    (args.out / "dropped.json").write_text(json.dumps(dropped, indent=1))
    for source in sorted({r["source"] for r in kept}):
        contact_sheet([r for r in kept if r["source"] == source][:48], args.out / f"contact_{source}.png")
    counts = {}
    for r in kept:
        counts.setdefault(r["source"], [0, 0])[0] += 1
    for r in dropped:
        counts.setdefault(r["source"], [0, 0])[1] += 1
    for source, (k, d) in sorted(counts.items()):
        print(f"{source:20s} kept {k:4d} dropped {d:4d}")
    print(f"dev images: {n_dev}; {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
