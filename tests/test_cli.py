"""The msia-matte command line on real photos, as a user runs it (a subprocess)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
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
    r = cli("cutout", str(src), "-o", str(tmp_path / "cut.tif"), "--premultiplied", "--model", str(small_model_path))
    assert r.returncode == 0, r.stderr
    assert load_image(tmp_path / "cut.tif").input_alpha.shape == photo.shape[:2]
    r = cli("cutout", str(src), "-o", str(src), "--model", str(small_model_path), "--on-exists", "overwrite")
    assert r.returncode == 2 and "refusing to write over an input" in r.stderr


def test_usage_errors_exit_2(tmp_path) -> None:
    r = cli("matte", "x.jpg", "-o", str(tmp_path), "--model", str(tmp_path / "missing.safetensors"))
    assert r.returncode == 2 and "missing.safetensors" in r.stderr and "Traceback" not in r.stderr
    assert cli("frobnicate").returncode == 2
    r = cli("matte", "x.jpg", "-o", str(tmp_path), "--device", "cpu", "--precision", "fp16")
    assert r.returncode == 2 and "fp16" in r.stderr and "CUDA" in r.stderr and "Traceback" not in r.stderr
    r = cli("--help")
    assert r.returncode == 0 and "examples:" in r.stdout


def test_batch_command_reports_failures_and_exit_status(tmp_path, photo, small_model_path) -> None:
    src = tmp_path / "shoot"
    (src / "day2").mkdir(parents=True)
    Image.fromarray(photo[::3, ::3]).save(src / "a.jpg")
    Image.fromarray(photo[::3, ::-3]).save(src / "day2" / "b.jpg")
    args = ["batch", str(src), str(tmp_path / "out"), "--recursive", "--outputs", "cutout,composite",
            "--format", "tiff", "--background", "#102030", "--model", str(small_model_path), "--quiet"]
    r = cli(*args, "--report", str(tmp_path / "r.csv"))
    assert r.returncode == 0, r.stderr
    assert load_image(tmp_path / "out" / "day2" / "b_composite.tif").rgb[0, 0].tolist() != [0, 0, 0]
    (src / "broken.jpg").write_text("not a photo")
    r = cli(*args, "--report", str(tmp_path / "r.json"))  # resume: the two done files are skipped
    assert r.returncode == 1 and "broken.jpg" in r.stderr and "Traceback" not in r.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert sorted(f["status"] for f in report["files"]) == ["failed", "skipped", "skipped"]
    r = cli("batch", str(src), str(tmp_path / "o2"), "--outputs", "cutout", "--format", "jpg")
    assert r.returncode == 2 and "jpg" in r.stderr


def test_cutout_of_a_sample_photo_with_a_trimap(tmp_path, small_model_path) -> None:
    sample = ROOT / "resources" / "samples" / "astronaut.jpg"
    if not sample.is_file():
        pytest.skip("resources/samples/astronaut.jpg is not in this checkout")
    rgb = load_image(sample).rgb
    h, w = rgb.shape[:2]
    trimap = np.zeros((h, w), np.uint8)
    trimap[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4] = 128
    trimap[3 * h // 8 : 5 * h // 8, 3 * w // 8 : 5 * w // 8] = 255
    Image.fromarray(trimap).save(tmp_path / "trimap.png")
    out = tmp_path / "astronaut_cut.png"
    r = cli("cutout", str(sample), "-o", str(out), "--trimap", str(tmp_path / "trimap.png"), "--model", str(small_model_path))
    assert r.returncode == 0, r.stderr
    alpha = load_image(out).input_alpha
    assert alpha.shape == (h, w) and (alpha[trimap == 0] == 0).all() and (alpha[trimap == 255] == 255).all()
    Image.fromarray(trimap[::2]).save(tmp_path / "small_trimap.png")
    r = cli("cutout", str(sample), "-o", str(tmp_path / "x.png"), "--trimap", str(tmp_path / "small_trimap.png"),
            "--model", str(small_model_path))
    assert r.returncode == 2 and "small_trimap.png: trimap is" in r.stderr


def test_defaults_are_the_same_on_every_cpu_and_flip_follows_the_flag(tmp_path, photo) -> None:
    """The default is fp32 without flip averaging on every CPU (the shipped model's file does not
    ask for flip), bf16 or not: the same matte as ``--precision fp32 --no-flip`` to the bit;
    --flip / --no-flip override it."""
    Image.fromarray(photo[::2, ::2]).save(tmp_path / "cat.png")
    outs = {}
    for flag in ("--flip", "--no-flip", None):
        out = tmp_path / str(flag)
        extra = ["--precision", "fp32", flag] if flag else []
        r = cli("matte", str(tmp_path / "cat.png"), "-o", str(out), "--max-side", "160", "--quiet", *extra)
        assert r.returncode == 0, r.stderr
        outs[flag] = np.asarray(Image.open(out / "cat.png"), np.int16)
    assert np.array_equal(outs[None], outs["--no-flip"])
    assert np.abs(outs["--flip"] - outs["--no-flip"]).max() > 3


def test_refiner_is_on_by_default_and_can_be_turned_off(tmp_path, photo) -> None:
    """The shipped model has a refiner: the default output is the refined matte, --no-refiner
    gives the network's coarse matte, which differs along the cat's edges."""
    Image.fromarray(photo).save(tmp_path / "cat.png")
    outs = {}
    for flag in ("--refiner", "--no-refiner", None):
        out = tmp_path / str(flag)
        r = cli("matte", str(tmp_path / "cat.png"), "-o", str(out), "--quiet", *([flag] if flag else []))
        assert r.returncode == 0, r.stderr
        outs[flag] = np.asarray(Image.open(out / "cat.png"), np.int16)
    assert np.array_equal(outs[None], outs["--refiner"])
    assert np.abs(outs["--refiner"] - outs["--no-refiner"]).max() > 20
