"""A sheet of 400 % crops as a designer inspects hair, fur and leaves: for each photo, the
window with the most soft edge, shown as the photo, the matte of the MSIA network alone
and of network + refiner (labelled with the model file's version), and each cutout over a flat
colour (haze between strands shows there).

    python bench/crops_sheet.py [--model resources/models/msia-matte-lite0.safetensors]
        [--out docs/crops_400.png] [--window 110]

Photos: held-out pseudo-GT photos at their native size (a portrait's hair, animals' fur; never
trained on), and the alphamatting.com plant photo (leaves; its trimap places the window). The
last column is the reference alpha's cutout where there is one.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np

from _checkout import ROOT
from matting.engine import MattingEngine
from matting.imageio import load_image, read_gray8, save_image
from matting.weights import default_model_path

SHARED = ROOT.parent / "shared" / "data"
BACKDROP = np.array([40, 160, 70], np.float32)  # green: neither hair nor fur nor sky
ZOOM = 4


def dev_photos(index: Path, count_per_source: int = 2) -> list[tuple[str, Path, Path | None]]:
    """(label, photo, reference alpha) for held-out pseudo-GT photos, portraits first."""
    pairs = json.loads(index.read_text())["pairs"]
    chosen = []
    for prefix, label in (("p3m", "hair"), ("am2k", "fur")):
        stems = sorted(r["stem"] for r in pairs if r["split"] == "dev" and r["stem"].startswith(prefix))
        for stem in stems[:count_per_source]:
            chosen.append((f"{label}: {stem}", SHARED / "pseudo_gt/images" / f"{stem}.jpg",
                           SHARED / "pseudo_gt/alphas" / f"{stem}.png"))
    return chosen


def softest_window(soft: np.ndarray, side: int) -> tuple[int, int]:
    """Top-left of the ``side`` square holding the most soft-edge pixels (box sum)."""
    box = cv2.boxFilter(soft.astype(np.float32), -1, (side, side), normalize=False, anchor=(0, 0),
                        borderType=cv2.BORDER_CONSTANT)
    h, w = soft.shape
    box = box[: h - side + 1, : w - side + 1]
    y, x = np.unravel_index(int(np.argmax(box)), box.shape)
    return int(y), int(x)


def panel(x: np.ndarray, text: str) -> np.ndarray:
    """An RGB uint8 crop zoomed 4x with square pixels, labelled."""
    if x.ndim == 2:
        x = np.repeat(x[..., None], 3, axis=2)
    big = cv2.resize(x, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_NEAREST)
    cv2.rectangle(big, (0, 0), (big.shape[1], 18), (0, 0, 0), -1)
    cv2.putText(big, text, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (255, 255, 255), 1, cv2.LINE_AA)
    return big


def over_colour(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha.astype(np.float32)[..., None]
    return np.clip(a * rgb.astype(np.float32) + (1 - a) * BACKDROP, 0, 255).astype(np.uint8)


def row(engine: MattingEngine, label: str, photo: Path, reference: Path | None, trimap: Path | None,
        side: int) -> np.ndarray:
    rgb = load_image(photo).rgb
    coarse, refined = engine.predict(rgb, refine=False), engine.predict(rgb)
    version = engine.model_info["version"]
    ref = None
    if reference is not None:
        ref = cv2.resize(read_gray8(reference), rgb.shape[1::-1]).astype(np.float32) / 255
        soft = (ref > 0.05) & (ref < 0.95)
    else:
        soft = read_gray8(trimap) == 128
    y, x = softest_window(soft, side)
    win = (slice(y, y + side), slice(x, x + side))
    cells = [panel(rgb[win], f"{label} ({x},{y}) 400%"),
             panel((coarse[win] * 255).astype(np.uint8), f"matte: network ({version})"),
             panel((refined[win] * 255).astype(np.uint8), "matte: + refiner"),
             panel(over_colour(rgb[win], coarse[win]), f"cutout: network ({version})"),
             panel(over_colour(rgb[win], refined[win]), "cutout: + refiner")]
    if ref is not None:
        cells.append(panel(over_colour(rgb[win], ref[win]), "cutout: reference alpha"))
    else:
        cells.append(np.zeros_like(cells[0]))
    return np.concatenate(cells, axis=1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--index", type=Path, default=Path("build/data/index.json"))
    p.add_argument("--out", type=Path, default=Path("docs/crops_400.png"))
    p.add_argument("--window", type=int, default=110)
    args = p.parse_args()
    engine = MattingEngine(args.model or default_model_path(), device="cpu")
    items = [(label, photo, ref, None) for label, photo, ref in dev_photos(args.index)]
    items.append(("leaves: am_plant", SHARED / "photos/images/am_plant.png", None, SHARED / "photos/trimaps/am_plant.png"))
    rows = [row(engine, label, photo, ref, tri, args.window) for label, photo, ref, tri in items]
    sheet = np.concatenate(rows, axis=0)
    save_image(args.out, sheet)
    print(f"{args.out}: {len(rows)} rows, {sheet.shape[1]}x{sheet.shape[0]} px")


if __name__ == "__main__":
    main()
