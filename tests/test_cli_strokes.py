"""Strokes files on the command line (the real CLI in a subprocess, real files): ``cutout`` and
``matte --strokes`` give the network the strokes, ``batch`` finds ``<photo>.strokes.png`` beside
each photo; a bad strokes file, or a model that does not take strokes, is exit 2 naming the file."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from matting.colour import network_rgb
from matting.engine import MattingEngine
from matting.guidance import Strokes, read_strokes, write_strokes
from matting.imageio import load_image

from .test_cli import cli


def _photo_and_strokes(folder, photo):
    """cat.jpg (a real photo, 150x226) and strokes for it drawn at twice its size (the CLI scales)."""
    src = folder / "cat.jpg"
    Image.fromarray(photo[::2, ::2]).save(src, quality=95)
    h, w = photo.shape[:2]
    strokes = Strokes.empty(h, w)
    strokes.subject[int(h * 0.45):int(h * 0.55), int(w * 0.3):int(w * 0.7)] = True
    strokes.background[: int(h * 0.1), : int(w * 0.3)] = True
    return src, write_strokes(folder / "cat.jpg.strokes.png", strokes)


def test_cutout_and_matte_with_strokes_give_the_engines_guided_matte(tmp_path, photo, guided_model_path) -> None:
    src, strokes = _photo_and_strokes(tmp_path, photo)
    model = ("--model", str(guided_model_path), "--max-side", "128", "--quiet")
    r = cli("cutout", str(src), "-o", str(tmp_path / "with.png"), "--strokes", str(strokes), *model)
    assert r.returncode == 0, r.stderr
    r = cli("matte", str(src), "-o", str(tmp_path / "without"), *model)
    assert r.returncode == 0, r.stderr
    r = cli("matte", str(src), "-o", str(tmp_path / "mattes"), "--strokes", str(strokes), *model)
    assert r.returncode == 0, r.stderr
    image = load_image(src)
    engine = MattingEngine(guided_model_path, device="cpu", max_side=128)
    expected = engine.predict(network_rgb(image.rgb, image.icc_profile), guidance=read_strokes(strokes, image.rgb.shape[:2]))
    expected8 = np.round(expected * 255).astype(int)
    with_alpha = np.asarray(Image.open(tmp_path / "with.png"))[..., 3].astype(int)
    without_alpha = np.asarray(Image.open(tmp_path / "without" / "cat.png")).astype(int)
    matte = np.asarray(Image.open(tmp_path / "mattes" / "cat.png")).astype(int)
    assert np.abs(matte - expected8).max() <= 1
    assert np.abs(with_alpha - expected8).max() <= 1
    assert np.abs(with_alpha - without_alpha).max() >= 2  # the strokes changed the matte


def test_batch_finds_strokes_beside_each_photo_and_never_processes_them(tmp_path, photo, guided_model_path) -> None:
    indir = tmp_path / "in"
    indir.mkdir()
    _photo_and_strokes(indir, photo)
    Image.fromarray(photo[::3, ::3]).save(indir / "dog.jpg")
    r = cli("batch", str(indir), str(tmp_path / "out"), "--outputs", "alpha", "--report", str(tmp_path / "r.json"),
            "--model", str(guided_model_path), "--max-side", "128", "--quiet")
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    rows = {Path(f["input"]).name: f for f in report["files"]}
    assert set(rows) == {"cat.jpg", "dog.jpg"}
    assert rows["cat.jpg"]["strokes"] == "used" and rows["dog.jpg"]["strokes"] == ""
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["cat_alpha.png", "dog_alpha.png"]


def test_bad_strokes_and_models_without_guidance_are_exit_2_naming_the_file(tmp_path, photo, guided_model_path,
                                                                           small_model_path) -> None:
    src, strokes = _photo_and_strokes(tmp_path, photo)
    bad = tmp_path / "bad.strokes.png"
    bad.write_text("not a picture")
    out = tmp_path / "cut.png"
    r = cli("cutout", str(src), "-o", str(out), "--strokes", str(bad), "--model", str(guided_model_path), "--quiet")
    assert r.returncode == 2 and "bad.strokes.png" in r.stderr and "Traceback" not in r.stderr and not out.exists()
    r = cli("cutout", str(src), "-o", str(out), "--strokes", str(strokes), "--model", str(small_model_path), "--quiet")
    assert r.returncode == 2 and "does not take strokes" in r.stderr and not out.exists()
    r = cli("matte", str(src), str(src), "-o", str(tmp_path / "m"), "--strokes", str(strokes),
            "--model", str(guided_model_path), "--quiet")
    assert r.returncode == 2 and "one photo" in r.stderr
    indir = tmp_path / "in"
    indir.mkdir()
    Image.fromarray(photo[::3, ::3]).save(indir / "dog.jpg")
    (indir / "dog.jpg.strokes.png").write_text("not a picture")
    r = cli("batch", str(indir), str(tmp_path / "out"), "--outputs", "alpha", "--model", str(guided_model_path),
            "--max-side", "128", "--quiet")
    assert r.returncode == 1 and "dog.jpg.strokes.png" in r.stderr
