"""Does a model keep the astronaut's face? Issue 11's "no face dropped" as numbers: the mean alpha
over the face (rows 40-140, columns 170-250 of scikit-image's 512x512 astronaut, the shipped
sample) and over the orange suit (rows 300-500, columns 100-300), at several working sizes, and
with the photo's hue turned by 60 degrees (skin no longer skin-coloured; the rest of the photo is
the same).

    python bench/astronaut_face.py --model A.safetensors --model B.safetensors [--sides 448 640]
        [--out bench/results/astronaut_face.md]

A face kept as subject has a mean alpha near 1; 0 is a face dropped. Each model runs as the engine
runs it by default (its refiner on; on a CPU with native bfloat16 the network in bf16 with flip
averaging), and the last one also in fp32 without flip.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from _checkout import ROOT
from _devsets import run_settings
from matting.engine import MattingEngine, cpu_has_bf16
from matting.imageio import read_rgb8
from matting.resources import sample_path
from matting.weights import default_model_path

FACE = (slice(40, 140), slice(170, 250))
SUIT = (slice(300, 500), slice(100, 300))


def turn_hue(rgb: np.ndarray, degrees: int) -> np.ndarray:
    """``rgb`` with every pixel's hue turned by ``degrees`` (OpenCV's 8-bit hue is degrees / 2)."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0].astype(np.int32) + degrees // 2) % 180
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def row(model: Path, photo: np.ndarray, turned_photo: np.ndarray, sides: list[int], **settings) -> str:
    engine = MattingEngine(model, device="cpu", **settings)  # one load; the working size is set per column
    cells = []
    for side in sides:
        engine.max_side = side
        alpha = engine.predict(photo)
        turned = engine.predict(turned_photo)
        cells.append(f"{alpha[FACE].mean():.2f} / {alpha[SUIT].mean():.2f} / {turned[FACE].mean():.2f}")
    info = engine.model_info
    return f"| {info['model']} {info.get('version', '')} ({model.name}; {run_settings(engine)}) | " + " | ".join(cells) + " |"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, action="append", help="model file(s) (default: the installed one)")
    p.add_argument("--sides", type=int, nargs="+", default=[448, 640])
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/astronaut_face.md")
    args = p.parse_args()
    photo = read_rgb8(sample_path("astronaut.jpg"))
    lines = ["Mean alpha over the astronaut's face / her suit / the face with the photo's hue turned by 60 degrees, "
             "per working size (long side); `python bench/astronaut_face.py`", "",
             "| model | " + " | ".join(f"{s} px" for s in args.sides) + " |",
             "|---|" + "---:|" * len(args.sides)]
    turned = turn_hue(photo, 60)
    models = args.model or [default_model_path()]
    lines += [row(m, photo, turned, args.sides) for m in models]
    if cpu_has_bf16():  # the engine's defaults are bf16 + flip here: the last model also as it ran before
        lines.append(row(models[-1], photo, turned, args.sides, precision="fp32", flip=False))
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
