"""The real-photo scoreboard: the figure releases and checkpoints are chosen by.

Real photographs only, never composites, each scored over the WHOLE image (a hole punched in the
subject, or a background object kept, costs what it costs a designer):

- ``photos``: the 14 real trimap photos (hair, fur, net, plastic bag, plants), against their
  closed-form alpha (the trimap's definite regions are exact, the band is solved);
- ``pseudo_gt``: the six held-out P3M portraits and AM-2k/GFM animals as photographed (their
  real backgrounds, not composites), against a strong model's alpha;
- ``pets``, ``plants``: hand-drawn trimaps -> closed-form alpha;
- ``horses``, ``people_ccp``, ``davis_*``: binary masks -> a band -> closed-form alpha, and
  also against the binary mask itself (SAD and IoU at 0.5: the subject as a user sees it).

The photos are the held-out dev split of ``python -m training.data.prepare`` (by image, by
sequence for DAVIS) plus the trimap photos, which every release up to 0.3.3 trained on (their figures
there flatter them; the runs of this stage hold the scoreboard out of training: ``data.holdout_scoreboard``).
Each source is split in two halves by a hash of the image's stem (of the sequence for DAVIS):
``selection`` is what checkpoints, settings and releases are chosen on; ``report`` is what figures
are quoted from, so no quoted figure is one a choice was tuned on.

Per source: mean, median, mean of the worst 10 % (at least one image) and the count of images with
IoU < 0.8 (a subject that lost or gained a chunk), plus Gradient. Sources are weighted equally in
"all" (the mean of the source means), so no one source's count decides.
"""
from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import cv2
import numpy as np

from matting.imageio import read_gray8, read_rgb8
from matting.metrics import gradient_error, sad

SOURCES = ("photos", "pseudo_gt", "pets", "horses", "people_ccp", "davis_people", "davis_animals", "davis_vehicles",
           "plants")
# prepare's sources gathered under one scoreboard source (three photos each are too few to read)
GATHERED = {"pseudo_gt_portrait": "pseudo_gt", "pseudo_gt_animal": "pseudo_gt"}
LABELS = {"photos": "trimap photos", "pseudo_gt": "portraits, animals (P3M, AM-2k)",
          "pets": "pets", "horses": "horses", "people_ccp": "people (CCP)",
          "davis_people": "people (DAVIS)", "davis_animals": "animals (DAVIS)",
          "davis_vehicles": "vehicles (DAVIS)", "plants": "flowers"}
MASK_SOURCES = frozenset({"horses", "people_ccp", "davis_people", "davis_animals", "davis_vehicles"})
HALVES = ("selection", "report")
DEFAULT_INDEXES = (Path("build/data/index.json"), Path("build/data_more/index.json"))
IOU_FAIL = 0.8  # a subject with IoU under this lost or gained a chunk a designer sees at once


@dataclass(frozen=True)
class RealPhoto:
    """One scoreboard photo: the image as prepared, its closed-form reference alpha, the binary
    mask it came from (mask sources) and the half it belongs to."""

    name: str
    source: str
    image: Path
    alpha: Path
    mask: Path | None
    half: str

    def read(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """(RGB uint8, reference alpha uint8, mask bool or None), all at the image's size."""
        rgb, ref = read_rgb8(self.image), read_gray8(self.alpha)
        mask = None
        if self.mask is not None:
            m = read_gray8(self.mask)
            m = cv2.resize(m, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_NEAREST)
            mask = m > (127 if m.max() > 1 else 0)
        return rgb, ref, mask


def _unit(record: dict) -> str:
    """What a half is chosen by: the sequence for video frames, else the image."""
    return record.get("group") or record["stem"]


def assign_halves(units: Iterable[str]) -> dict[str, str]:
    """Units sorted by a CRC of their name, alternately selection and report: a fixed split that
    does not move when other units are added elsewhere, and halves of equal size per source."""
    ordered = sorted(set(units), key=lambda u: (zlib.crc32(u.encode()), u))
    return {u: HALVES[i % 2] for i, u in enumerate(ordered)}


def scoreboard_photos(indexes: Sequence[Path] = DEFAULT_INDEXES, half: str | None = None,
                      sources: Sequence[str] = SOURCES) -> list[RealPhoto]:
    """The scoreboard's photos from prepare's ``index.json`` files (missing files are skipped):
    the dev split of every real source, and every trimap photo. ``half`` keeps one half."""
    records = []
    for index in indexes:
        if Path(index).is_file():
            records += json.loads(Path(index).read_text())["pairs"]
    records = [{**r, "source": GATHERED.get(r["source"], r["source"])} for r in records]
    chosen = [r for r in records if r["source"] in sources and (r["split"] == "dev" or r["source"] == "photos")]
    photos = []
    for source in sources:
        mine = [r for r in chosen if r["source"] == source]
        halves = assign_halves(_unit(r) for r in mine)
        for r in sorted(mine, key=lambda r: r["stem"]):
            mask = Path(r["label"]) if source in MASK_SOURCES else None
            photos.append(RealPhoto(r["stem"], source, Path(r["image"]), Path(r["alpha"]), mask, halves[_unit(r)]))
    return [p for p in photos if half is None or p.half == half]


def held_out_stems(indexes: Sequence[Path] = DEFAULT_INDEXES) -> set[str]:
    """Every scoreboard photo's stem: training must never draw these."""
    return {p.name for p in scoreboard_photos(indexes)}


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """Intersection over union of two boolean masks (1.0 when both are empty)."""
    union = int((pred | truth).sum())
    return float((pred & truth).sum() / union) if union else 1.0


def score_photo(pred: np.ndarray, ref: np.ndarray, mask: np.ndarray | None) -> dict[str, float]:
    """Whole-image SAD and Gradient (/1000) and IoU at 0.5 against the reference alpha; with a
    mask, SAD and IoU against the mask too."""
    p = np.clip(pred.astype(np.float64), 0.0, 1.0)
    r = ref.astype(np.float64) / 255.0
    row = {"sad": sad(p, r), "grad": gradient_error(p, r), "iou": iou(p >= 0.5, r >= 0.5)}
    if mask is not None:
        row["mask_sad"] = sad(p, mask.astype(np.float64))
        row["mask_iou"] = iou(p >= 0.5, mask)
    return row


def score_model(predict: Callable[[np.ndarray], np.ndarray], photos: Sequence[RealPhoto],
                progress: Callable[[Iterable], Iterable] = iter) -> list[dict]:
    """One row per photo: name, source, half and the figures of ``score_photo``."""
    rows = []
    for photo in progress(photos):
        rgb, ref, mask = photo.read()
        rows.append({"name": photo.name, "source": photo.source, "half": photo.half,
                     **score_photo(predict(rgb), ref, mask)})
    return rows


def worst_mean(values: Sequence[float], share: float = 0.1) -> float:
    """Mean of the worst ``share`` of ``values`` (the largest), at least one value."""
    k = max(1, math.ceil(share * len(values)))
    return float(np.mean(sorted(values)[-k:]))


def summarise(rows: Sequence[dict]) -> dict[str, float]:
    """Mean, median and worst-10 % SAD, Gradient, IoU and the count under ``IOU_FAIL``."""
    s = [r["sad"] for r in rows]
    out = {"n": len(rows), "sad": float(np.mean(s)), "median": float(np.median(s)), "worst": worst_mean(s),
           "grad": float(np.mean([r["grad"] for r in rows])), "iou": float(np.mean([r["iou"] for r in rows])),
           "iou_fail": sum(r["iou"] < IOU_FAIL for r in rows)}
    if all("mask_sad" in r for r in rows):
        out["mask_sad"] = float(np.mean([r["mask_sad"] for r in rows]))
        out["mask_iou"] = float(np.mean([r["mask_iou"] for r in rows]))
    return out


def per_source(rows: Sequence[dict], half: str | None = None) -> dict[str, dict[str, float]]:
    """``summarise`` per source present (in ``SOURCES`` order), plus "all": the mean of the source
    means (sources weighted equally) and the sum of the failure counts."""
    rows = [r for r in rows if half is None or r["half"] == half]
    table = {s: summarise([r for r in rows if r["source"] == s]) for s in SOURCES if any(r["source"] == s for r in rows)}
    if table:
        keys = ("sad", "median", "worst", "grad", "iou")
        table["all"] = {"n": sum(t["n"] for t in table.values()), "iou_fail": sum(t["iou_fail"] for t in table.values()),
                        **{k: float(np.mean([t[k] for t in table.values()])) for k in keys}}
    return table


PAIRED_MARGIN = 0.05  # SAD /1000: a smaller change on one photo is a tie (0.05 is ~13 pixels' worth of full error)


def paired(reference: Sequence[dict], candidate: Sequence[dict], half: str | None = None,
           margin: float = PAIRED_MARGIN) -> dict[str, dict[str, float]]:
    """Photo by photo, ``candidate`` against ``reference`` (rows of the same photos): per source and
    over all photos, how many got better and worse by more than ``margin`` and the median change
    of SAD. A mean of source means weighs 3 portraits like 30 flowers, so a gain there can be
    one photo's noise; the count of photos that moved each way cannot be carried by one photo."""
    ref = {r["name"]: r for r in reference if half is None or r["half"] == half}
    pairs = [(r["source"], r["sad"] - ref[r["name"]]["sad"]) for r in candidate if r["name"] in ref]
    out: dict[str, dict[str, float]] = {}
    for source in [s for s in SOURCES if any(p[0] == s for p in pairs)] + ["all"]:
        diffs = np.array([d for s, d in pairs if source in ("all", s)])
        out[source] = {"n": len(diffs), "better": int((diffs < -margin).sum()), "worse": int((diffs > margin).sum()),
                       "median_change": float(np.median(diffs))}
    return out
