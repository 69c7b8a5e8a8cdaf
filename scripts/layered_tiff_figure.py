"""The layered TIFF as two readers see it: writes a layered TIFF of a shipped sample with the CLI
(`msia-matte cutout --layered`), reads it back with tifffile and with Pillow, and draws what each
gives: the colour samples (the whole photo), the extra sample (the matte) and Pillow's RGBA over a
checkerboard (the mask in place). Saves docs/layered_tiff.png.

    python scripts/layered_tiff_figure.py [--photo resources/samples/chelsea.jpg] [--out docs/layered_tiff.png]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import tifffile
from PIL import Image, ImageDraw

from matting.compose import preview

ROOT = Path(__file__).resolve().parents[1]
HEIGHT = 300


def panel(rgb: np.ndarray, title: str) -> np.ndarray:
    """The picture scaled to HEIGHT with its title written over a white strip above it."""
    w = round(rgb.shape[1] * HEIGHT / rgb.shape[0])
    pic = Image.fromarray(rgb).resize((w, HEIGHT), Image.Resampling.LANCZOS)
    out = Image.new("RGB", (w, HEIGHT + 22), "white")
    out.paste(pic, (0, 22))
    ImageDraw.Draw(out).text((4, 5), title, fill="black")
    return np.asarray(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photo", type=Path, default=ROOT / "resources/samples/chelsea.jpg")
    p.add_argument("--out", type=Path, default=ROOT / "docs/layered_tiff.png")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tif = Path(tmp) / "layered.tif"
        subprocess.run([sys.executable, "-m", "matting", "cutout", str(args.photo), "--layered", "-o", str(tif)],
                       check=True)
        with tifffile.TiffFile(tif) as f:
            data, extras = f.pages[0].asarray(), f.pages[0].extrasamples
        rgba = np.asarray(Image.open(tif).convert("RGBA"))
    over = preview(np.ascontiguousarray(rgba[..., :3]), rgba[..., 3].astype(np.float32) / 255, "checker")
    panels = [panel(np.ascontiguousarray(data[..., :3]), "tifffile: samples 1-3 (the whole photo)"),
              panel(np.repeat(data[..., 3:4], 3, 2), f"tifffile: sample 4, extrasamples {tuple(int(e) for e in extras)}"),
              panel(over, "Pillow: RGBA over a checkerboard")]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(panels, 1)).save(args.out)
    print(f"wrote {args.out}: {Path(args.photo).name}, tifffile {data.shape} extrasamples {tuple(int(e) for e in extras)}, "
          f"Pillow {rgba.shape}, same matte: {bool(np.array_equal(data[..., 3], rgba[..., 3]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
