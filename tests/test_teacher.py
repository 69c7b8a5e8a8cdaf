"""Teacher labels (training/data/teacher.py) on a real Clothing Co-Parsing photo through the real
MODNet: the mask where it is sure, MODNet's alpha in the unsure band, files written and read back."""
from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from training.baselines import DEFAULT_DIR
from training.data.prepare import read_gray, write_png
from training.data.teacher import blend_label, main, unsure_band
from training.scoreboard import iou

CCP = DEFAULT_DIR.parent / "data" / "masks" / "ccp_person"
pytestmark = pytest.mark.skipif(not ((DEFAULT_DIR / "modnet.onnx").is_file() and CCP.is_dir()),
                                reason="../shared/models/modnet.onnx or ../shared/data/masks/ccp_person absent")


def test_band_is_both_sides_of_the_edge_and_nothing_far_from_it() -> None:
    mask = np.zeros((100, 100), bool)
    mask[20:80, 30:70] = True
    band = unsure_band(mask, 0.05)  # 5 px each side
    assert band[20, 50] and band[16, 50] and band[24, 50]  # on, just outside and just inside the top edge
    assert not band[50, 50] and not band[5, 5]  # deep inside, far outside
    teacher = np.full((100, 100), 0.3, np.float32)
    label = blend_label(mask, teacher, 0.05)
    assert label[50, 50] == 1.0 and label[5, 5] == 0.0 and label[20, 50] == pytest.approx(0.3)


def test_a_real_person_gets_modnet_edges_inside_the_band_and_the_mask_elsewhere(tmp_path: Path) -> None:
    image, mask_file = CCP / "images" / "0001.jpg", CCP / "masks" / "0001.png"
    if not image.is_file():
        image = next((CCP / "images").glob("0001.*"))
    rgb = cv2.cvtColor(cv2.imread(str(image)), cv2.COLOR_BGR2RGB)
    prepared = tmp_path / "ccp_0001.png"
    write_png(prepared, rgb)
    root = tmp_path / "prepared"
    root.mkdir()
    record = {"source": "people_ccp", "stem": "ccp_0001", "image": str(prepared), "label": str(mask_file),
              "split": "train", "alpha": "unused.png", "fg": str(prepared)}
    held = {**record, "stem": "ccp_0002", "split": "dev"}
    (root / "index.json").write_text(json.dumps({"pairs": [record, held], "dev_images": []}))
    out = tmp_path / "teacher"
    assert main(["--root", str(root), "--out", str(out), "--min-iou", "0.85"]) == 0
    index = json.loads((out / "index.json").read_text())
    assert [r["stem"] for r in index["pairs"]] == ["ccp_0001"]  # the dev photo is never labelled
    assert index["pairs"][0]["source"] == "people_ccp_teacher" and index["pairs"][0]["teacher_iou"] >= 0.85
    label = read_gray(index["pairs"][0]["alpha"])
    mask = read_gray(mask_file) > 127
    band = unsure_band(mask, 0.03)
    assert label.shape == mask.shape
    assert np.array_equal(label[~band] > 127, mask[~band])  # the mask, exactly, where it is sure
    soft = (label[band] > 12) & (label[band] < 243)
    assert soft.mean() > 0.02  # the band holds MODNet's soft edge, not the mask's hard one
    assert iou(label > 127, mask) > 0.85
    assert (out / "contact_people_ccp_teacher.png").is_file()
