"""Teacher labels: a baseline model's alpha where a coarse mask cannot say, the mask elsewhere.

Clothing Co-Parsing's person masks come from superpixels: right about which pixels are the person
far from the edge, wrong by up to ~2 % of the image near it, and blind to hair. Closed-form matting
in a band round such an edge inherits the band's guess. MODNet, a portrait matting model, gets
people's outlines right (on the scoreboard's CCP photos: mask IoU 0.953 against our 0.908) but
may keep a second person or a bag. So the label is

    alpha = teacher   inside the band where the mask is unsure (the mask dilated minus eroded),
    alpha = mask      outside it (sure person, sure background),

and a photo whose teacher disagrees with its own mask (IoU of the two below ``min_iou``) is
dropped rather than trusted. Only training photos are labelled (``split == "train"`` in the
prepared index): the scoreboard's photos never pass through a teacher.

    python -m training.data.teacher --root build/data_more --source people_ccp --out build/data_teacher

Writes ``OUT/alpha/<stem>.png``, ``OUT/index.json`` (source ``<source>_teacher``, the image and
foreground colours of the prepared pair) and ``OUT/contact_<source>_teacher.png`` to review.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from matting.trimap import UNKNOWN

from ..baselines import load_baseline
from ..scoreboard import iou
from .prepare import contact_sheet, read_gray, read_rgb, write_png
from .pseudo_alpha import trimap_from_mask


def unsure_band(mask: np.ndarray, band_fraction: float) -> np.ndarray:
    """Pixels within ``band_fraction`` of the long side of the mask's edge, on either side: the
    unknown band of the trimap prepare makes from a mask (``trimap_from_mask``)."""
    return trimap_from_mask(mask.astype(np.uint8) * 255, band_fraction) == UNKNOWN


def blend_label(mask: np.ndarray, teacher: np.ndarray, band_fraction: float) -> np.ndarray:
    """The teacher's alpha inside the unsure band, the mask (0 or 1) outside; float32 in [0, 1]."""
    return np.where(unsure_band(mask, band_fraction), teacher, mask.astype(np.float32)).astype(np.float32)


def label_pairs(records: list[dict], predict, out: Path, band_fraction: float, min_iou: float) -> tuple[list[dict], list[dict]]:
    """(kept records pointing at the new alphas, dropped records with the reason)."""
    (out / "alpha").mkdir(parents=True, exist_ok=True)
    kept, dropped = [], []
    for r in tqdm(records, desc="teacher labels"):
        rgb = read_rgb(r["image"])
        h, w = rgb.shape[:2]
        mask = cv2.resize(read_gray(r["label"]), (w, h), interpolation=cv2.INTER_NEAREST) > 127
        teacher = np.clip(predict(rgb), 0.0, 1.0)
        agreement = iou(teacher > 0.5, mask)
        if agreement < min_iou:
            dropped.append({"stem": r["stem"], "dropped": f"teacher and mask disagree (IoU {agreement:.3f})"})
            continue
        alpha_path = out / "alpha" / f"{r['stem']}.png"
        write_png(alpha_path, np.round(blend_label(mask, teacher, band_fraction) * 255).astype(np.uint8))
        kept.append({**r, "source": f"{r['source']}_teacher", "alpha": str(alpha_path.resolve()),
                     "teacher_iou": round(agreement, 4)})
    return kept, dropped


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--root", type=Path, default=Path("build/data_more"), help="a prepared root (its index.json)")
    p.add_argument("--source", default="people_ccp")
    p.add_argument("--teacher", default="modnet", choices=("modnet", "u2netp"))
    p.add_argument("--band", type=float, default=0.03, help="unsure band, fraction of the long side")
    p.add_argument("--min-iou", type=float, default=0.85)
    p.add_argument("--out", type=Path, default=Path("build/data_teacher"))
    args = p.parse_args(argv)
    index = json.loads((args.root / "index.json").read_text())
    records = [r for r in index["pairs"] if r["source"] == args.source and r["split"] == "train"]
    if not records:
        raise SystemExit(f"{args.root / 'index.json'}: no training pairs of source {args.source!r}")
    kept, dropped = label_pairs(records, load_baseline(args.teacher).predict, args.out, args.band, args.min_iou)
    (args.out / "index.json").write_text(json.dumps({"pairs": kept, "dev_images": []}, indent=1))
    (args.out / "dropped.json").write_text(json.dumps(dropped, indent=1))
    contact_sheet(kept[:: max(1, len(kept) // 24)][:24], args.out / f"contact_{args.source}_teacher.png")
    print(f"{len(kept)} labelled, {len(dropped)} dropped (teacher IoU against the mask < {args.min_iou}); {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
