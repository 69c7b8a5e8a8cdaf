"""A sheet of whole cutouts, one row per photo, one column per model: does each model keep the
right regions (the astronaut's face and helmet, the cup, a person, a flower, a vehicle)?

    python bench/subjects_sheet.py --model OLD.safetensors --model NEW.safetensors
        [--out docs/subjects.png] [--height 220]

Photos: the shipped samples (scikit-image's astronaut, coffee cup and cat) and held-out dev-v2
images (a person, a flower, a vehicle; ``build/data_more/dev``, never trained on). Each model runs
as the engine runs it by default; u2netp and MODNet (``../shared/models``) are the last columns.
Cutouts are shown over green so dropped regions and kept background both show.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from _checkout import ROOT
from matting.compose import preview
from matting.engine import MattingEngine
from matting.imageio import load_image, save_image
from matting.resources import sample_path
from training.baselines import load_baseline

GREEN = (40, 160, 70)
DEV_SOURCES = ("people_ccp", "davis_people", "plants", "davis_vehicles", "davis_animals")


def photos(more: Path) -> list[tuple[str, Path]]:
    """(label, path): the samples, then the first held-out dev-v2 image of each source."""
    chosen = [(name.split(".")[0], sample_path(name)) for name in ("astronaut.jpg", "coffee.jpg", "chelsea.jpg")]
    sources = json.loads((more / "dev/sources.json").read_text()) if (more / "dev/sources.json").is_file() else {}
    for source in DEV_SOURCES:
        stems = sorted(s for s, src in sources.items() if src == source)
        if stems:
            chosen.append((f"{source}: {stems[len(stems) // 2]}", more / "dev/image" / f"{stems[len(stems) // 2]}.png"))
    return chosen


def fit(x: np.ndarray, height: int) -> np.ndarray:
    w = max(1, round(x.shape[1] * height / x.shape[0]))
    return cv2.resize(x, (w, height), interpolation=cv2.INTER_AREA)


def label(tile: np.ndarray, text: str) -> np.ndarray:
    tile = tile.copy()
    cv2.rectangle(tile, (0, 0), (tile.shape[1], 16), (0, 0, 0), -1)
    cv2.putText(tile, text[:34], (3, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.38, (255, 255, 255), 1, cv2.LINE_AA)
    return tile


def sheet(rows: list[tuple[str, Path]], models: dict[str, Callable[[np.ndarray], np.ndarray]], height: int) -> np.ndarray:
    lines = []
    for text, path in rows:
        rgb = load_image(path).rgb
        tiles = [label(fit(rgb, height), text)] + [label(fit(preview(rgb, predict(rgb), "color", color=GREEN), height), name)
                                                   for name, predict in models.items()]
        lines.append(np.concatenate(tiles, axis=1))
    width = max(line.shape[1] for line in lines)
    return np.concatenate([np.pad(line, ((0, 4), (0, width - line.shape[1]), (0, 0)), constant_values=255)
                           for line in lines], axis=0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, action="append", required=True)
    p.add_argument("--more", type=Path, default=ROOT / "build/data_more")
    p.add_argument("--out", type=Path, default=ROOT / "docs/subjects.png")
    p.add_argument("--height", type=int, default=220)
    args = p.parse_args()
    models: dict[str, Callable[[np.ndarray], np.ndarray]] = {}
    for path in args.model:
        engine = MattingEngine(path, device="cpu")
        models[f"MSIA {engine.model_info['version']}"] = engine.predict
    for name in ("u2netp", "modnet"):
        models[name] = load_baseline(name).predict
    save_image(args.out, sheet(photos(args.more), models, args.height))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
