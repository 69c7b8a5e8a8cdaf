"""Backgrounds without people or animals (training/data/subject_free_backgrounds.py), with the real
MODNet of ../shared/models."""
from __future__ import annotations

import numpy as np
import pytest

from matting.imageio import read_rgb8, save_image
from matting.resources import sample_path
from training.baselines import DEFAULT_DIR
from training.data.subject_free_backgrounds import main, subject_share

pytestmark = pytest.mark.skipif(not (DEFAULT_DIR / "modnet.onnx").is_file(), reason="../shared/models/modnet.onnx absent")


def test_a_person_is_left_out_and_an_empty_wall_kept(tmp_path) -> None:
    folder = tmp_path / "bg"
    folder.mkdir()
    save_image(folder / "astronaut.png", read_rgb8(sample_path("astronaut.jpg")))
    ramp = np.linspace(90, 200, 400, dtype=np.float32)
    save_image(folder / "wall.png", np.repeat(np.stack([ramp, ramp * 0.9, ramp * 0.8], -1)[None], 300, 0).astype(np.uint8))
    out = tmp_path / "kept.txt"
    assert main(["--backgrounds", str(folder), "--out", str(out)]) == 0
    assert out.read_text().splitlines() == [str(folder / "wall.png")]
    assert out.with_suffix(".json").is_file()


def test_subject_share_reads_8_bit_and_unit_alphas() -> None:
    alpha = np.zeros((10, 10), np.float32)
    alpha[:5] = 1.0
    assert subject_share(alpha) == 0.5 and subject_share((alpha * 255).astype(np.uint8)) == 0.5
