"""Backgrounds without people or animals in them, for compositing.

BSDS500 is object-centric: about half its photos hold a person or an animal. A subject pasted over
one learns that the person behind it is background, and the network came to take skin-coloured
regions for background (the astronaut's face, kept when her photo's hue is turned). This keeps the
backgrounds where MODNet (../shared/models, a portrait matting model that also answers for
animals and other salient subjects) finds less than ``--max-share`` of the frame foreground, and
writes their paths, one per line: a list ``data.backgrounds`` can name.

    python -m training.data.subject_free_backgrounds --backgrounds ../shared/data/backgrounds/bsds500 \\
        --pattern "[tv][ra]*" --out build/backgrounds_subject_free.txt [--max-share 0.05]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from matting.imageio import read_rgb8
from matting.metrics import to_unit
from training.baselines import load_baseline

from .readers import read_backgrounds


def subject_share(alpha: np.ndarray) -> float:
    """Share of the frame a matting model calls foreground (alpha > 0.5; 8-bit or unit alpha)."""
    return float((to_unit(alpha) > 0.5).mean())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backgrounds", type=Path, default=Path("../shared/data/backgrounds/bsds500"))
    p.add_argument("--pattern", default="*")
    p.add_argument("--out", type=Path, default=Path("build/backgrounds_subject_free.txt"))
    p.add_argument("--max-share", type=float, default=0.05)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    modnet = load_baseline("modnet", threads=args.threads)
    shares = {str(path): subject_share(modnet.predict(read_rgb8(path)))
              for path in tqdm(read_backgrounds(args.backgrounds, args.pattern), desc="backgrounds")}
    kept = [path for path, share in shares.items() if share < args.max_share]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(f"{path}\n" for path in kept))
    args.out.with_suffix(".json").write_text(json.dumps(shares, indent=0))
    print(f"{args.out}: {len(kept)} of {len(shares)} backgrounds with under {args.max_share:.0%} of the frame a subject")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
