"""Quality regression beyond pets: the shipped model must keep the right *regions* of people,
vehicles, animals and flowers it never trained on, so a model that drops faces or keeps the road
can never pass CI.

Photos: held-out dev-v2 images (``training.data.prepare``'s ``--sources more`` split: whole DAVIS
sequences and CCP people never trained on), read from ``../shared/data`` with their hand-made
masks; flowers with their hand-drawn trimaps. Scored against the mask (people, DAVIS) or the
trimap's definite pixels (flowers), so edges matter little and wrong regions a lot. Ceilings are
the shipped model's measured means (``python -m pytest tests/test_quality_subjects.py -s`` prints
them) plus a margin of about 10 %.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from .conftest import SHARED_DATA
from matting.imageio import load_image, read_gray8
from matting.metrics import sad

PER_SOURCE = 3  # images per source, spread over its held-out ones
# mean SAD /1000 against masks (or trimaps' definite pixels) per group, the engine pinned to fp32
# without flip: 0.3.4 (0.3.3's network, no strokes) measured people 13.74, vehicles 14.91, animals
# 21.69, plants 3.23 (0.3.3 with bf16 + flip: 11.75, 17.39, 19.11, 3.48; 0.2.1: 28.37, 17.49, 24.03,
# 6.90). Ceilings about 10 % above 0.3.4's figures
CEILING = {"people": 15.1, "vehicles": 16.4, "animals": 23.9, "plants": 3.6}
GROUP = {"people_ccp": "people", "davis_people": "people", "davis_vehicles": "vehicles",
         "davis_animals": "animals", "plants": "plants"}


def held_out() -> list[tuple[str, str, Path, Path, str]]:
    """(group, stem, image, label, kind) for PER_SOURCE held-out images of each source."""
    from training.data.prepare import assign_more_dev, gather_more_jobs

    jobs = gather_more_jobs(SHARED_DATA)
    assign_more_dev(jobs)
    chosen = []
    for source, group in GROUP.items():
        dev = sorted((j for j in jobs if j.split == "dev" and j.source == source), key=lambda j: j.stem)
        for j in dev[:: max(1, len(dev) // PER_SOURCE)][:PER_SOURCE]:
            chosen.append((group, j.stem, Path(j.image), Path(j.label), j.kind))
    return chosen


def reference(label: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(target alpha, where to score): a mask everywhere; a trimap's definite pixels only."""
    if kind == "mask":
        target = (label > 127).astype(np.float32)
        return target, np.ones(label.shape, bool)
    from training.data.pseudo_alpha import trimap_from_labels

    trimap = trimap_from_labels(label)
    return (trimap == 255).astype(np.float32), trimap != 128


@pytest.fixture(scope="module")
def scores(shipped_engine):
    engine = shipped_engine
    rows = []
    for group, stem, image, label, kind in held_out():
        rgb = load_image(image).rgb
        raw = read_gray8(label, palette_index=True)
        target, where = reference(cv2.resize(raw, rgb.shape[1::-1], interpolation=cv2.INTER_NEAREST), kind)
        pred = engine.predict(rgb)
        rows.append({"group": group, "stem": stem, "sad": sad(np.where(where, pred, target), target)})
    for r in rows:
        print(r)
    return rows


def test_every_group_is_scored(scores):
    assert {r["group"] for r in scores} == set(CEILING)
    assert len(scores) == PER_SOURCE * len(GROUP)


def test_shipped_model_keeps_the_right_regions(scores):
    means = {g: float(np.mean([r["sad"] for r in scores if r["group"] == g])) for g in CEILING}
    print("means", {g: round(v, 2) for g, v in means.items()})
    for group, ceiling in CEILING.items():
        assert means[group] <= ceiling, f"{group}: SAD {means[group]:.2f} over the ceiling {ceiling}"


def test_shipped_model_keeps_the_astronauts_face(shipped_engine):
    """Issue 11's "no face dropped": the mean alpha over the shipped astronaut's face (the box
    bench/astronaut_face.py scores) with the engine's defaults. 0.2.1 dropped it (0.07); 0.3.3
    measured 0.90 in fp32 without flip and 0.65 with flip averaging at 512 px (0.66 at 448; the
    mirrored photo's face comes out at about 0.4: the model is unsure of this face, MODEL_CARD.md)."""
    from matting.imageio import read_rgb8
    from matting.resources import sample_path

    alpha = shipped_engine.predict(read_rgb8(sample_path("astronaut.jpg")))
    face = alpha[40:140, 170:250].mean()
    print("face", round(float(face), 3))
    assert face >= 0.5
