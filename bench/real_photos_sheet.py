"""Look at what the scoreboard ranks: the worst photos of a model on the real-photo scoreboard,
each as photo | reference | model's matte | cutout on green, with its SAD, for checking by eye that
the table and the pictures agree.

    python bench/real_photos_sheet.py --model resources/models/msia-matte-lite0.safetensors [--worst 8]
        [--compare runs/releases/msia-0.2.1.safetensors] [--out docs/scoreboard_worst.png]

The photos are the model's worst on the report half by SAD: ranked from ``--rows`` (a
``bench/real_photos.py`` JSON and the label of a model in it) when given, else by running the
model on the whole half first. With ``--compare`` a second model's matte of the same photos is
shown beside.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from _checkout import ROOT

import cv2
import numpy as np

from matting.engine import MattingEngine
from matting.imageio import save_image
from training.scoreboard import LABELS, score_model, score_photo, scoreboard_photos

TILE = 220


def tile(img: np.ndarray, text: str = "") -> np.ndarray:
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    h, w = img.shape[:2]
    s = TILE / max(h, w)
    small = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    out = np.full((TILE, TILE, 3), 255, np.uint8)
    out[: small.shape[0], : small.shape[1]] = small
    if text:
        cv2.putText(out, text, (4, TILE - 8), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (220, 0, 0), 1, cv2.LINE_AA)
    return out


def on_green(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha[..., None].astype(np.float32)
    return (a * rgb + (1 - a) * np.array([0, 200, 0], np.float32)).astype(np.uint8)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--compare", type=Path, default=None)
    p.add_argument("--worst", type=int, default=8)
    p.add_argument("--half", default="report")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "scoreboard_worst.png")
    p.add_argument("--rows", type=Path, help="rank by this bench/real_photos.py JSON instead of running the model")
    p.add_argument("--label", help="the model's label in --rows (default: the first MSIA one)")
    args = p.parse_args()
    models = [args.model] + ([args.compare] if args.compare else [])  # None: the shipped model
    engines = [MattingEngine(m, device="cpu", precision="fp32", flip=False) for m in models]
    photos = scoreboard_photos(half=args.half)
    if args.rows:
        results = json.loads(args.rows.read_text())
        label = args.label or next(k for k in results if k.startswith("MSIA"))
        sad_of = {r["name"]: r["sad"] for r in results[label]}
        rows = [{"sad": sad_of.get(p.name, -1.0)} for p in photos]
    else:
        rows = score_model(engines[0].predict, photos)
    worst = sorted(range(len(rows)), key=lambda i: -rows[i]["sad"])[: args.worst]
    lines = []
    for i in worst:
        photo = photos[i]
        rgb, ref, mask = photo.read()
        cells = [tile(rgb, f"{LABELS[photo.source]}: {photo.name[:16]}"), tile(ref, "reference")]
        for engine in engines:
            alpha = engine.predict(rgb)
            version = engine.model_info["version"]
            sad = score_photo(alpha, ref, mask)["sad"]
            cells += [tile((alpha * 255).astype(np.uint8), f"{version}: SAD {sad:.1f}"), tile(on_green(rgb, alpha))]
        lines.append(np.concatenate(cells, axis=1))
    sheet = np.concatenate(lines, axis=0)
    save_image(args.out, sheet)
    print(f"{args.out}: {len(lines)} photos, worst first")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
