"""Quality regression: the shipped model on held-out real photos with known alphas must stay
under a ceiling, so a worse model can never pass CI.

The photos are the six pseudo-GT photos held out of all training (``training.data.prepare``'s
dev split: 3 portraits, 3 animals), at their native 1080-1920 px with their real backgrounds,
read from ``../shared/data`` (there for every developer and for CI, never copied here). Ceilings
are the shipped model's measured figures (``python -m pytest tests/test_quality.py -s`` prints
them) plus a margin of about 10 %.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from .conftest import SHARED_DATA
from matting.evaluation import soft_band_trimap
from matting.imageio import load_image, read_gray8
from matting.metrics import gradient_error, sad

# (whole-image SAD, whole-image Gradient) means over the six photos, x1000 as in the paper, with
# the engine pinned to fp32 without flip (conftest.shipped_engine, the default on every CPU).
# 0.3.4 (0.3.3's network, no strokes) measured 81.04 and 23.59 (with bf16 + flip 78.40 / 21.28;
# 0.3.2 at 448 px 96.59 / 25.79; 0.2.1 104.24 / 26.49); ceilings about 10 % above 0.3.4's figures
CEILING = {"sad": 89.1, "grad": 25.9}


def held_out() -> list[tuple[str, Path, Path]]:
    from training.data.prepare import assign_dev, gather_jobs

    jobs = gather_jobs(SHARED_DATA)
    assign_dev(jobs)
    return [(j.stem, Path(j.image), Path(j.label)) for j in jobs if j.split == "dev" and j.source.startswith("pseudo_gt")]


@pytest.fixture(scope="module")
def scores(shipped_engine):
    engine = shipped_engine
    rows = []
    for stem, image, alpha in held_out():
        rgb = load_image(image).rgb
        gt = cv2.resize(read_gray8(alpha), rgb.shape[1::-1], interpolation=cv2.INTER_AREA)
        refined, coarse = engine.predict(rgb), engine.predict(rgb, refine=False)
        tri = soft_band_trimap(gt)
        rows.append({"stem": stem, "sad": sad(refined, gt), "grad": gradient_error(refined, gt),
                     "band_grad": gradient_error(refined, gt, tri), "band_grad_coarse": gradient_error(coarse, gt, tri),
                     "band_sad": sad(refined, gt, tri), "band_sad_coarse": sad(coarse, gt, tri),
                     "sad_trivial": min(sad(np.zeros_like(refined), gt), sad(np.ones_like(refined), gt))})
    for r in rows:
        print({k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()})
    return rows


def test_every_held_out_photo_is_cut_out_far_better_than_a_blank_matte(scores):
    """No photo is given up on: each of the six (3 portraits, 3 animals) has a matte whose SAD is
    under half the better of the two trivial mattes (all background, all subject); a mean under
    the ceiling could hide one photo the model misses entirely. (0.3.3, fp32 without flip: 0.08
    to 0.32 of the blank matte's SAD; the two portraits with a busy background are the 0.32s.)"""
    assert sorted(r["stem"] for r in scores) == sorted(stem for stem, _i, _a in held_out()) and len(scores) == 6
    for r in scores:
        assert r["sad"] < r["sad_trivial"] / 2, f"{r['stem']}: SAD {r['sad']:.1f}, blank matte {r['sad_trivial']:.1f}"


def test_shipped_model_stays_under_its_ceiling(scores):
    means = {k: float(np.mean([r[k] for r in scores])) for k in CEILING}
    print("means", means)
    for key, ceiling in CEILING.items():
        assert means[key] <= ceiling, f"{key} {means[key]:.2f} over the ceiling {ceiling}"


def test_refiner_sharpens_the_edge_band(scores):
    """Inside the soft band the refined matte beats the network's own on the sum of the six
    photos, for both SAD and Gradient."""
    for metric in ("band_grad", "band_sad"):
        refined = sum(r[metric] for r in scores)
        coarse = sum(r[f"{metric}_coarse"] for r in scores)
        assert refined < coarse, f"{metric}: refined {refined:.2f} vs network alone {coarse:.2f}"
