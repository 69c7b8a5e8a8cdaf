"""Folder export through the real network: mirrored folders, outputs read back, bad files
reported, inputs untouched, resume, cancel."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from matting import MattingEngine
from matting.batch import BatchOptions, plan_batch, run_batch
from matting.compose import Background
from matting.imageio import load_image, read_metadata
from matting.refine import auto_trimap, default_band
from tests.test_imageio import bomb_png, cmyk_jpeg, digest, exif_rotated_jpeg, palette_png, png16, truncated_jpeg


@pytest.fixture()
def shoot(tmp_path, photo) -> Path:
    root = tmp_path / "shoot"
    (root / "day2").mkdir(parents=True)
    small = photo[::3, ::3]
    Image.fromarray(small).save(root / "a.jpg")
    Image.fromarray(small[:, ::-1]).save(root / "day2" / "b.png")
    (root / "broken.jpg").write_bytes(b"not a jpeg at all")
    (root / "folder.png").mkdir()
    return root


@pytest.fixture(scope="module")
def engine(small_model_path):
    return MattingEngine(small_model_path, device="cpu", max_side=96)


def test_recursive_batch_mirrors_folders_and_reports_bad_files(shoot, tmp_path, engine) -> None:
    before = {p: digest(p) for p in shoot.rglob("*") if p.is_file()}
    options = BatchOptions(("cutout", "alpha", "composite"), "png", recursive=True, background=Background.parse("#00ff00"))
    out = tmp_path / "out"
    items = plan_batch(shoot, out, options)
    seen = []
    report = run_batch(engine, items, options, progress=lambda d, t, r: seen.append((d, t, r.status)))
    assert report.count("ok") == 2 and report.count("failed") == 2 and not report.ok
    errors = " ".join(r.error for r in report.results if r.status == "failed")
    assert "broken.jpg" in errors and "folder.png" in errors
    assert [d for d, _, _ in seen] == [1, 2, 3, 4] and all(t == 4 for _, t, _ in seen)
    cut = load_image(out / "day2" / "b_cutout.png")
    assert cut.input_alpha is not None and cut.rgb.shape[:2] == load_image(shoot / "day2" / "b.png").rgb.shape[:2]
    assert read_metadata(out / "a_alpha.png")["model"] == "small-test"
    meta = read_metadata(out / "a_composite.png")
    assert meta["background"] == "#00ff00" and meta["output"] == "composite" and meta["software"] == "MSIA Matte"
    assert {p: digest(p) for p in shoot.rglob("*") if p.is_file()} == before  # inputs untouched
    path = report.write(tmp_path / "report.json")
    data = json.loads(path.read_text())
    assert {f["status"] for f in data["files"]} == {"ok", "failed"}
    report.write(tmp_path / "report.csv")
    assert "broken.jpg" in (tmp_path / "report.csv").read_text()


def test_resume_skips_complete_outputs(shoot, tmp_path, engine) -> None:
    options = BatchOptions(("alpha",), "tiff")
    out = tmp_path / "out"
    first = run_batch(engine, plan_batch(shoot, out, options), options)
    assert first.count("ok") == 1  # a.jpg (not recursive)
    stamp = (out / "a_alpha.tif").stat().st_mtime_ns
    second = run_batch(engine, plan_batch(shoot, out, options), options)
    assert second.count("skipped") == 1 and (out / "a_alpha.tif").stat().st_mtime_ns == stamp


def test_cancel_midway_leaves_only_complete_files(tmp_path, photo, engine) -> None:
    src = tmp_path / "many"
    src.mkdir()
    for i in range(6):
        Image.fromarray(np.roll(photo[::3, ::3], i * 7, axis=1)).save(src / f"img{i}.png")
    options = BatchOptions(("cutout",), "png")
    done = []
    report = run_batch(engine, plan_batch(src, tmp_path / "out", options), options,
                       progress=lambda d, t, r: done.append(d), cancel=lambda: len(done) >= 2)
    assert report.cancelled
    written = sorted((tmp_path / "out").glob("*.png"))
    assert 2 <= len(written) < 6
    for p in written:
        assert load_image(p).rgb.shape[:2] == photo[::3, ::3].shape[:2]  # every file decodes whole
    assert not list((tmp_path / "out").glob(".*"))  # no temporary leftovers


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="outputs"):
        BatchOptions(("sparkles",))
    with pytest.raises(ValueError, match="jpg"):
        BatchOptions(("cutout",), "jpg")


def test_every_awkward_input_of_the_issue_in_one_folder(tmp_path, photo, engine) -> None:
    """Bad files are reported by name and skipped, good awkward ones come out right, and every
    input is byte-identical afterwards."""
    src = tmp_path / "awkward"
    src.mkdir()
    small = photo[::4, ::4]
    (src / "empty.jpg").write_bytes(b"")
    (src / "notes.jpg").write_text("a text file named like a photo\n")
    (src / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20)
    (src / "x.png").mkdir()
    truncated_jpeg(src / "truncated.jpg", small)
    bomb_png(src / "huge.png")
    exif_rotated_jpeg(src / "rotated.jpg", small)
    cmyk_jpeg(src / "cmyk.jpg", (40, 24))
    palette_png(src / "palette.png")
    png16(src / "deep.png", (24, 36))
    before = {p: digest(p) for p in src.rglob("*") if p.is_file()}
    options = BatchOptions(("alpha", "cutout"), "png")
    report = run_batch(engine, plan_batch(src, tmp_path / "out", options), options)
    status = {Path(r.input).name: r for r in report.results}
    for bad, words in [("empty.jpg", "empty file"), ("notes.jpg", "not an image"), ("corrupt.png", ""),
                       ("x.png", "is a folder"), ("truncated.jpg", ""), ("huge.png", "900 MP")]:
        assert status[bad].status == "failed" and bad in status[bad].error and words in status[bad].error, bad
    for good in ("rotated.jpg", "cmyk.jpg", "palette.png", "deep.png"):
        assert status[good].status == "ok", status[good].error
    out = tmp_path / "out"
    assert load_image(out / "rotated_alpha.png").rgb.shape[:2] == (small.shape[1], small.shape[0])  # upright
    deep = load_image(out / "deep_cutout.png")
    assert deep.bit_depth == 16 and deep.input_alpha.dtype == np.uint16  # 16-bit in, 16-bit out
    assert load_image(out / "deep_alpha.png").bit_depth == 16
    assert {p: digest(p) for p in src.rglob("*") if p.is_file()} == before


def test_same_stems_and_reruns_into_the_input_folder(tmp_path, photo, engine) -> None:
    src = tmp_path / "same"
    src.mkdir()
    Image.fromarray(photo[::4, ::4]).save(src / "a.jpg")
    Image.fromarray(photo[::4, ::-4]).save(src / "a.png")
    options = BatchOptions(("alpha",), "png")
    items = plan_batch(src, src, options)
    assert sorted(p.name for it in items for p in it.outputs.values()) == ["a_jpg_alpha.png", "a_png_alpha.png"]
    first = run_batch(engine, items, options)
    assert first.count("ok") == 2
    again = plan_batch(src, src, options)  # the outputs now sit beside the inputs: not inputs
    assert sorted(it.input.name for it in again if not it.skip_reason) == ["a.jpg", "a.png"]
    assert all("an output of MSIA Matte" in it.skip_reason for it in again if it.input.name.endswith("_alpha.png"))
    assert run_batch(engine, again, options).count("skipped") == 4


def test_unwritable_output_folder_fails_each_file_by_name(tmp_path, photo, engine) -> None:
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(photo[::4, ::4]).save(src / "a.jpg")
    Image.fromarray(photo[::4, ::-4]).save(src / "b.jpg")
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the output folder should be")  # root ignores chmod, not this
    options = BatchOptions(("cutout",), "png")
    report = run_batch(engine, plan_batch(src, blocker / "out", options), options)
    assert report.count("failed") == 2 and not report.ok
    assert all("cannot create output folder" in r.error and str(blocker) in r.error for r in report.results)


def test_refine_edges_option_changes_only_the_soft_edge(tmp_path, photo, shipped_model_path) -> None:
    engine = MattingEngine(shipped_model_path, device="cpu", max_side=256)
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(photo[::2, ::2]).save(src / "a.png")
    plain, refined = BatchOptions(("alpha",)), BatchOptions(("alpha",), refine_edges=True)
    run_batch(engine, plan_batch(src, tmp_path / "plain", plain), plain)
    report = run_batch(engine, plan_batch(src, tmp_path / "refined", refined), refined)
    assert report.ok
    a = load_image(tmp_path / "plain" / "a_alpha.png").rgb[..., 0]
    b = load_image(tmp_path / "refined" / "a_alpha.png").rgb[..., 0]
    changed = a != b
    assert a.shape == b.shape and changed.any()
    band = auto_trimap(a / 255.0, band_px=default_band(a.shape)) == 128
    assert changed[band].any()
    # outside the band the matte is only snapped to 0 / 1 (it was within 5 % of them)
    outside = ~band
    assert set(np.unique(b[outside])) <= {0, 255} and np.abs(b[outside].astype(int) - a[outside]).max() <= 13
    assert read_metadata(tmp_path / "refined" / "a_alpha.png")["refine_edges"] == "true"
