"""The msia-matte command line on real photos, as a user runs it (a subprocess)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from matting.imageio import load_image

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matting", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_matte_writes_full_size_8bit_alpha_and_names_bad_files(tmp_path, photo, small_model_path) -> None:
    Image.fromarray(photo).save(tmp_path / "cat.jpg")
    (tmp_path / "notes.jpg").write_text("not an image")
    r = cli("matte", str(tmp_path / "cat.jpg"), str(tmp_path / "notes.jpg"), "-o", str(tmp_path / "out"),
            "--model", str(small_model_path), "--quiet")
    assert r.returncode == 1
    assert "notes.jpg" in r.stderr and "Traceback" not in r.stderr
    alpha = Image.open(tmp_path / "out" / "cat.png")
    assert alpha.mode == "L" and alpha.size == (photo.shape[1], photo.shape[0])


def test_cutout_on_a_background_and_as_rgba(tmp_path, photo, small_model_path) -> None:
    src = tmp_path / "cat.png"
    Image.fromarray(photo).save(src)
    r = cli("cutout", str(src), "-o", str(tmp_path / "white.jpg"), "--background", "white", "--model", str(small_model_path))
    assert r.returncode == 0, r.stderr
    assert load_image(tmp_path / "white.jpg").rgb.shape == photo.shape
    r = cli("cutout", str(src), "-o", str(tmp_path / "cut.webp"), "--premultiplied", "--model", str(small_model_path))
    assert r.returncode == 0, r.stderr
    assert load_image(tmp_path / "cut.webp").input_alpha.shape == photo.shape[:2]
    r = cli("cutout", str(src), "-o", str(src), "--model", str(small_model_path), "--on-exists", "overwrite")
    assert r.returncode == 1 and "refusing to write over an input" in r.stderr


def test_usage_errors_exit_2(tmp_path) -> None:
    r = cli("matte", "x.jpg", "-o", str(tmp_path), "--model", str(tmp_path / "missing.safetensors"))
    assert r.returncode == 2 and "missing.safetensors" in r.stderr and "Traceback" not in r.stderr
    assert cli("frobnicate").returncode == 2
    r = cli("--help")
    assert r.returncode == 0 and "examples:" in r.stdout


def test_eval_scores_predictions(tmp_path) -> None:
    for d in ("img", "gt", "pred"):
        (tmp_path / d).mkdir()
    gt = np.zeros((20, 30), np.uint8)
    gt[5:15, 10:20] = 255
    Image.fromarray(np.dstack([gt] * 3)).save(tmp_path / "img" / "a.png")
    Image.fromarray(gt).save(tmp_path / "gt" / "a.png")
    Image.fromarray(gt).save(tmp_path / "pred" / "a.png")
    r = cli("eval", "--images", str(tmp_path / "img"), "--alphas", str(tmp_path / "gt"), "--pred", str(tmp_path / "pred"),
            "--json", str(tmp_path / "s.json"))
    assert r.returncode == 0, r.stderr
    assert "| SAD |" in r.stdout and '"sad": 0.0' in (tmp_path / "s.json").read_text()
