"""Peak memory of one cutout (read, matte, foreground estimate, RGBA, encode, write) per pixel:
the figure behind ``matting.limits.CUTOUT_BYTES_PER_PIXEL``, and the network's peak at a few
working resolutions (behind ``matting.engine.MAX_SIDE_RANGE``).

    python bench/memory.py [--megapixels 2 8] [--max-sides 512 1024 2048]

Each measurement runs in a fresh process (peak resident memory, ``ru_maxrss``, minus the
process's resident memory just before the measured step), on a synthetic photo written first.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from _checkout import ROOT

CUTOUT = """
import resource, sys, numpy as np
from matting.engine import MattingEngine
from matting.pipeline import output_metadata
from matting.compose import cutout, estimate_foreground
from matting.imageio import load_image, save_image
engine = MattingEngine(device="cpu", max_side=int(sys.argv[3]))
engine.predict(np.zeros((64, 64, 3), np.uint8))
def rss():
    return int(open('/proc/self/statm').read().split()[1]) * resource.getpagesize()
before = rss()
image = load_image(sys.argv[1], check_memory=False)
alpha = engine.predict(image.rgb)
rgba = cutout(image.rgb, alpha, estimate_foreground(image.rgb, alpha))
save_image(sys.argv[2], rgba, metadata=output_metadata(engine.model_info))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before)
"""


def measure(photo: Path, out: Path, max_side: int) -> int:
    r = subprocess.run([sys.executable, "-c", CUTOUT, str(photo), str(out), str(max_side)], cwd=ROOT,
                       capture_output=True, text=True, check=True)
    return int(r.stdout.split()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--megapixels", type=float, nargs="+", default=[2.0, 8.0])
    p.add_argument("--max-sides", type=int, nargs="+", default=[512, 1024, 2048])
    args = p.parse_args()
    import numpy as np
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        rng = np.random.default_rng(0)
        print("| photo | max side | peak above baseline | bytes / pixel |")
        print("|---|---:|---:|---:|")
        for mp in args.megapixels:
            w = int((mp * 1e6 * 4 / 3) ** 0.5)
            h = int(mp * 1e6 / w)
            yy, xx = np.mgrid[:h, :w]
            disc = ((yy - h / 2) ** 2 + (xx - w / 2) ** 2 < (h / 3) ** 2)[..., None]
            rgb = np.where(disc, [220, 180, 60], [40, 60, 90]).astype(np.uint8)
            rgb = np.clip(rgb + rng.normal(0, 4, rgb.shape), 0, 255).astype(np.uint8)
            photo = Path(tmp) / f"photo_{mp:g}mp.png"
            Image.fromarray(rgb).save(photo, compress_level=1)
            for side in args.max_sides:
                peak = measure(photo, Path(tmp) / "cut.png", side)
                print(f"| {w}x{h} ({w * h / 1e6:.1f} MP) | {side} | {peak / 1e9:.2f} GB | {peak / (w * h):.0f} |")


if __name__ == "__main__":
    main()
