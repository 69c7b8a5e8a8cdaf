"""The real-photo scoreboard's arithmetic: halves that do not move, worst cases visible, sources
weighted equally, a hole in the subject that costs what a designer sees."""
from __future__ import annotations

import numpy as np

from training.scoreboard import assign_halves, iou, paired, per_source, score_photo, summarise, worst_mean


def test_halves_are_balanced_and_do_not_move_when_units_are_added() -> None:
    units = [f"img{i}" for i in range(20)]
    halves = assign_halves(units)
    assert sum(h == "selection" for h in halves.values()) == 10
    more = assign_halves(units + ["zzz_new"])
    moved = sum(halves[u] != more[u] for u in units)
    assert moved <= 10  # an insertion shifts the alternation after it, never reshuffles by name
    assert assign_halves(reversed(units)) == halves  # order of discovery does not matter


def test_worst_cases_and_median_are_reported_beside_the_mean() -> None:
    rows = [{"sad": s, "grad": 1.0, "iou": i} for s, i in [(1, 0.99)] * 9 + [(91, 0.4)]]
    t = summarise(rows)
    assert t["sad"] == 10 and t["median"] == 1 and t["worst"] == 91 and t["iou_fail"] == 1
    assert worst_mean([3, 1, 2], share=0.5) == 2.5


def test_every_source_weighs_the_same_in_all() -> None:
    rows = [{"source": "pets", "half": "report", "sad": 1.0, "grad": 0.0, "iou": 1.0}] * 30
    rows += [{"source": "photos", "half": "report", "sad": 9.0, "grad": 0.0, "iou": 1.0}] * 2
    rows += [{"source": "photos", "half": "selection", "sad": 100.0, "grad": 0.0, "iou": 0.1}]
    table = per_source(rows, "report")
    assert table["all"]["sad"] == 5.0 and table["all"]["n"] == 32 and table["all"]["iou_fail"] == 0


def test_a_hole_in_the_subject_costs_its_area_over_the_whole_image() -> None:
    ref = np.zeros((200, 200), np.uint8)
    ref[40:160, 40:160] = 255
    pred = ref.astype(np.float32) / 255
    pred[80:120, 80:120] = 0  # 1600 px punched out, far from any edge band
    mask = ref > 0
    row = score_photo(pred, ref, mask)
    assert abs(row["sad"] - 1.6) < 1e-9 and abs(row["mask_sad"] - 1.6) < 1e-9
    assert abs(row["iou"] - (14400 - 1600) / 14400) < 1e-9 and row["mask_iou"] == row["iou"]
    assert iou(np.zeros((2, 2), bool), np.zeros((2, 2), bool)) == 1.0


def test_paired_counts_photos_that_moved_and_one_big_photo_cannot_carry_it() -> None:
    """A candidate that gains 20 on one of 3 portraits and loses 1 on each of 10 flowers has the
    lower mean of source means, and the paired count says 1 better, 10 worse."""
    ref = [{"name": f"p{i}", "source": "pseudo_gt", "half": "report", "sad": 30.0, "grad": 0.0, "iou": 1.0} for i in range(3)]
    ref += [{"name": f"f{i}", "source": "plants", "half": "report", "sad": 5.0, "grad": 0.0, "iou": 1.0} for i in range(10)]
    cand = [{**r, "sad": r["sad"] - 20.0 if r["name"] == "p0" else r["sad"] + (1.0 if r["source"] == "plants" else 0.01)}
            for r in ref]
    assert per_source(cand)["all"]["sad"] < per_source(ref)["all"]["sad"]
    t = paired(ref, cand, "report")
    assert (t["all"]["n"], t["all"]["better"], t["all"]["worse"]) == (13, 1, 10)
    assert (t["pseudo_gt"]["better"], t["pseudo_gt"]["worse"]) == (1, 0)  # +0.01 is a tie
    assert t["plants"]["median_change"] == 1.0 and list(t) == ["pseudo_gt", "plants", "all"]
