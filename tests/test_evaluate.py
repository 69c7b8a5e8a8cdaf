"""training.evaluate on a tiny synthetic set written to disk: the CLI with the baselines and with
one of our model files, JSON and Markdown outputs, trimap scoring, a perfect predictor, a bad file."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from matting.evaluation import find_pairs
from training.baselines import DEFAULT_DIR
from training.evaluate import evaluate_predictor, main

HAVE_BASELINES = (DEFAULT_DIR / "u2netp.onnx").is_file() and (DEFAULT_DIR / "modnet.onnx").is_file()


def _disc_alpha(size: int, cx: float, cy: float, r: float) -> np.ndarray:
    """A soft-edged disc, uint8."""
    yy, xx = np.mgrid[:size, :size]
    d = np.hypot(xx - cx, yy - cy)
    return (np.clip((r - d) / 3 + 0.5, 0, 1) * 255).round().astype(np.uint8)


@pytest.fixture()
def dataset(tmp_path: Path) -> Path:
    """3 images 64x64 whose grey level *is* their alpha (so a predictor can recover it exactly),
    composited over a colour ramp, with alphas and trimaps (unknown band where 0 < alpha < 1)."""
    for sub in ("image", "alpha", "trimap"):
        (tmp_path / sub).mkdir()
    for i, (cx, cy, r) in enumerate([(32, 32, 20), (20, 40, 12), (40, 24, 16)]):
        alpha = _disc_alpha(64, cx, cy, r)
        rgb = np.repeat(alpha[..., None], 3, axis=2)
        trimap = np.where(alpha == 0, 0, np.where(alpha == 255, 255, 128)).astype(np.uint8)
        Image.fromarray(rgb).save(tmp_path / "image" / f"s{i}.png")
        Image.fromarray(alpha).save(tmp_path / "alpha" / f"s{i}.png")
        Image.fromarray(trimap).save(tmp_path / "trimap" / f"s{i}.png")
    return tmp_path


def _recover(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., 0] / 255.0  # float64, exactly as the metrics scale the uint8 ground truth


def test_perfect_predictor_scores_zero(dataset: Path) -> None:
    pairs = find_pairs(dataset / "image", dataset / "alpha")
    res = evaluate_predictor(_recover, pairs, "perfect", progress=False)
    assert [r["name"] for r in res.rows] == ["s0", "s1", "s2"]
    means = res.means()
    assert {k: means[k] for k in ("sad", "mse", "grad", "conn")} == {"sad": 0.0, "mse": 0.0, "grad": 0.0, "conn": 0.0}
    assert means["seconds"] >= 0 and not res.failed


def test_wrong_predictor_scores_by_hand_and_trimap_limits_the_count(dataset: Path) -> None:
    pairs = find_pairs(dataset / "image", dataset / "alpha")
    res = evaluate_predictor(lambda rgb: np.zeros(rgb.shape[:2], np.float32), pairs, "zeros", progress=False)
    for row, pair in zip(res.rows, pairs):
        gt = np.asarray(Image.open(pair.alpha), np.float64) / 255
        assert row["sad"] == pytest.approx(gt.sum() / 1000)
        assert row["mse"] == pytest.approx((gt**2).mean())
    # With trimaps: the definite regions are forced to the trimap's value, so a predictor that is
    # right only inside the unknown band still scores 0.
    tri_pairs = find_pairs(dataset / "image", dataset / "alpha", dataset / "trimap")

    def band_only(rgb: np.ndarray) -> np.ndarray:
        a = _recover(rgb)
        return np.where((a > 0) & (a < 1), a, 0.5)

    tri = evaluate_predictor(band_only, tri_pairs, "band", progress=False)
    assert all(r["sad"] == 0 and r["mse"] == 0 and r["grad"] == 0 and r["conn"] == 0 for r in tri.rows)
    whole = evaluate_predictor(band_only, pairs, "band", progress=False)
    assert all(r["sad"] > 0 for r in whole.rows)


def test_bad_file_is_skipped_and_named(dataset: Path, capsys) -> None:
    (dataset / "image" / "s9.png").write_bytes(b"not a png")
    (dataset / "alpha" / "s9.png").write_bytes((dataset / "alpha" / "s0.png").read_bytes())
    res = evaluate_predictor(_recover, find_pairs(dataset / "image", dataset / "alpha"), "perfect", progress=False)
    assert len(res.rows) == 3
    assert [f["name"] for f in res.failed] == ["s9"] and "s9.png" in res.failed[0]["error"]
    assert "s9" in capsys.readouterr().err


def test_cli_with_our_model_writes_json_and_markdown(dataset: Path, small_model_path: Path, tmp_path: Path, capsys) -> None:
    out_json, out_md = tmp_path / "out" / "r.json", tmp_path / "out" / "r.md"
    code = main(["--images", str(dataset / "image"), "--alphas", str(dataset / "alpha"), "--model", str(small_model_path),
                 "--max-side", "64", "--json", str(out_json), "--markdown", str(out_md)])
    assert code == 0
    data = json.loads(out_json.read_text())
    (model,) = data["models"]
    assert "small.safetensors" in model["model"] and "64 px" in model["model"]
    assert [r["name"] for r in model["rows"]] == ["s0", "s1", "s2"]
    assert model["means"]["sad"] > 0 and np.isfinite(list(model["means"].values())).all()
    md = out_md.read_text().splitlines()
    assert md[2] == "| model | SAD | MSE | Gradient | Connectivity | s/img |"
    assert len(md) == 5 and "small.safetensors" in md[4]
    assert "small.safetensors" in capsys.readouterr().out


def test_cli_refuses_unknown_baseline_and_missing_folder(dataset: Path, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--images", str(dataset / "image"), "--alphas", str(dataset / "alpha"), "--baselines", "rembg"])
    assert "rembg" in capsys.readouterr().err
    assert main(["--images", str(dataset / "nope"), "--alphas", str(dataset / "alpha"), "--baselines", "u2netp"]) == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.skipif(not HAVE_BASELINES, reason="baseline ONNX files (../shared/models) absent")
def test_cli_with_baselines_side_by_side(dataset: Path, tmp_path: Path) -> None:
    out_json, out_md = tmp_path / "b.json", tmp_path / "b.md"
    code = main(["--images", str(dataset / "image"), "--alphas", str(dataset / "alpha"), "--trimaps", str(dataset / "trimap"),
                 "--baselines", "u2netp,modnet", "--json", str(out_json), "--markdown", str(out_md)])
    assert code == 0
    data = json.loads(out_json.read_text())
    assert "unknown region" in data["setting"]
    assert [m["model"] for m in data["models"]] == ["u2netp", "modnet"]
    for m in data["models"]:
        assert len(m["rows"]) == 3 and m["means"]["seconds"] > 0
        assert all(0 <= r["mse"] <= 1 for r in m["rows"])
    rows = [line.split("|")[1].strip() for line in out_md.read_text().splitlines()[4:]]
    assert rows == ["u2netp", "modnet"]


def test_a_jpeg_or_16_bit_trimap_scores_as_its_exact_png(dataset: Path) -> None:
    """Evaluation reads trimaps with the engine's one normaliser (matting.trimap): a JPEG-noisy
    copy and a 16-bit copy of each trimap count the same unknown pixels as the exact PNG."""
    for kind in ("jpeg", "tiff16"):
        (dataset / kind).mkdir()
        for path in sorted((dataset / "trimap").glob("*.png")):
            t = np.asarray(Image.open(path))
            if kind == "jpeg":
                Image.fromarray(t).save(dataset / kind / f"{path.stem}.jpg", quality=60)
            else:
                Image.fromarray(t.astype(np.uint16) * 257).save(dataset / kind / f"{path.stem}.tif")

    def zeros(rgb: np.ndarray) -> np.ndarray:
        return np.zeros(rgb.shape[:2], np.float32)

    rows = {kind: evaluate_predictor(zeros, find_pairs(dataset / "image", dataset / "alpha", dataset / kind),
                                     kind, progress=False).rows for kind in ("trimap", "jpeg", "tiff16")}
    exact = [r["sad"] for r in rows["trimap"]]
    assert all(s > 0 for s in exact)
    assert [r["sad"] for r in rows["tiff16"]] == exact
    assert [r["sad"] for r in rows["jpeg"]] == pytest.approx(exact, rel=0.05)
