"""Write a Composition-1K-style composite set offline (Deep Image Matting rule, eq. 1).

    python -m training.data.compose_set --fg FG_DIR --alpha ALPHA_DIR --bg BG_DIR --per-fg 20 \\
        --out OUT [--rounding truncate] [--seed 0]

For each foreground, ``per-fg`` backgrounds (100 for training sets, 20 for test sets by default
in the papers) are taken in order from the sorted background list (foreground i uses backgrounds
i*N .. i*N+N-1, wrapping around), as Adobe's script does; ``--shuffle`` draws them with the seed
instead. Writes ``OUT/merged/<fg>_<k>.png``, ``OUT/alpha/<fg>_<k>.png`` and ``OUT/fg/<fg>_<k>.png``
atomically, with a progress bar; an existing complete output is kept (rerun to resume).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .compose import adobe_background, composite, fit_background
from .prepare import read_gray, read_rgb, write_png
from .readers import _match, read_backgrounds


def compose_set(fg_dir: Path, alpha_dir: Path, bg_dir: Path, per_fg: int, out: Path, rounding: str = "round",
                shuffle: bool = False, seed: int = 0) -> int:
    pairs = _match(fg_dir, alpha_dir)
    backgrounds = read_backgrounds(bg_dir)
    rng = np.random.default_rng(seed)
    written = 0
    with tqdm(total=len(pairs) * per_fg, desc="compose", unit="img") as bar:
        for i, (stem, fg_path, alpha_path) in enumerate(pairs):
            fg = read_rgb(fg_path)
            alpha = read_gray(alpha_path)
            h, w = alpha.shape
            for k in range(per_fg):
                name = f"{stem}_{k}.png"
                bar.update(1)
                if (out / "merged" / name).is_file():
                    continue
                j = int(rng.integers(len(backgrounds))) if shuffle else adobe_background(i, k, per_fg, len(backgrounds))
                bg = fit_background(read_rgb(backgrounds[j]), h, w)
                write_png(out / "merged" / name, composite(fg, alpha, bg, rounding))
                write_png(out / "alpha" / name, alpha)
                write_png(out / "fg" / name, fg)
                written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.data.compose_set", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fg", type=Path, required=True)
    p.add_argument("--alpha", type=Path, required=True)
    p.add_argument("--bg", type=Path, required=True)
    p.add_argument("--per-fg", type=int, default=100)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--rounding", choices=("round", "truncate"), default="round")
    p.add_argument("--shuffle", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    n = compose_set(args.fg, args.alpha, args.bg, args.per_fg, args.out, args.rounding, args.shuffle, args.seed)
    print(f"wrote {n} composites to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
