"""Issue 27: the cases an adversarial run of the command line found, one class each, as a user
hits them: real files on disk and the real command in a subprocess (the shipped model at a small
working resolution, or a tiny model where the test is about the model file)."""
from __future__ import annotations

import csv
import io
import json
import os
import resource
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from matting.imageio import is_own_output, load_image, read_metadata

from .test_cli_guarantees import ROOT, cli, photos, statuses

NO_MODEL = ("--model", "/nonexistent/no-model.safetensors")  # a check that ran after the model would name it


@pytest.fixture()
def tiny(small_model_path) -> tuple[str, ...]:
    """A small untrained model at a small working side: these tests are about files, not mattes."""
    return ("--model", str(small_model_path), "--max-side", "64")


def eval_folders(root: Path) -> np.ndarray:
    """``img/a.png`` (a white square on black) and its ground truth ``gt/a.png``; ``pred/`` empty."""
    for d in ("img", "gt", "pred"):
        (root / d).mkdir()
    gt = np.zeros((20, 30), np.uint8)
    gt[5:15, 10:20] = 255
    Image.fromarray(np.dstack([gt] * 3)).save(root / "img" / "a.png")
    Image.fromarray(gt).save(root / "gt" / "a.png")
    return gt


def small(photo: np.ndarray, path: Path, step: int = 4) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(photo[::step, ::step]).save(path)
    return path


# 1. nothing the user owns is replaced: not an input of the run, not a file that is not ours


@pytest.mark.parametrize("aux", ["--trimap", "--background"])
def test_cutout_never_replaces_its_trimap_or_background(tmp_path, photo, aux) -> None:
    src = small(photo, tmp_path / "cat.png")
    aux_file = tmp_path / "aux.png"
    h, w = photo[::4, ::4].shape[:2]
    Image.fromarray(np.full((h, w), 128, np.uint8)).save(aux_file)
    before = aux_file.read_bytes()
    r = cli("cutout", str(src), "-o", str(aux_file), aux, str(aux_file), "--on-exists", "overwrite", *NO_MODEL)
    assert r.returncode == 2 and "aux.png: refusing to write over an input" in r.stderr, r.stderr
    assert aux_file.read_bytes() == before


def test_eval_json_never_replaces_a_ground_truth(tmp_path) -> None:
    eval_folders(tmp_path)
    before = (tmp_path / "gt" / "a.png").read_bytes()
    r = cli("eval", "--images", str(tmp_path / "img"), "--alphas", str(tmp_path / "gt"), "--pred", str(tmp_path / "gt"),
            "--json", str(tmp_path / "gt" / "a.png"))
    assert r.returncode == 2 and "gt/a.png: is an input of this run" in r.stderr, r.stderr
    assert (tmp_path / "gt" / "a.png").read_bytes() == before


def test_batch_into_its_own_folder_keeps_a_users_photo_named_like_an_output(tmp_path, photo, tiny) -> None:
    shoot = tmp_path / "shoot"
    small(photo, shoot / "x.jpg")
    small(photo[:, ::-1], shoot / "x_cutout.png")  # the user's own photo, named like our output
    before = (shoot / "x_cutout.png").read_bytes()
    for rule in ("overwrite", "skip"):  # an explicit overwrite still never replaces an input; skip resumes
        r = cli("batch", str(shoot), str(shoot), *tiny, "--quiet", "--on-exists", rule, "--report", str(tmp_path / "r.json"))
        assert r.returncode == 0, r.stderr
        assert (shoot / "x_cutout.png").read_bytes() == before, rule
    assert sorted(p.name for p in shoot.iterdir()) == ["x.jpg", "x_cutout-1.png", "x_cutout.png", "x_cutout_cutout.png"]
    assert is_own_output(shoot / "x_cutout-1.png") and is_own_output(shoot / "x_cutout_cutout.png")
    found = statuses(tmp_path / "r.json")  # the last run: the user's photo is an input, done before
    assert found == {"x.jpg": "skipped", "x_cutout.png": "skipped", "x_cutout-1.png": "skipped",
                     "x_cutout_cutout.png": "skipped"}


def test_matte_keeps_an_unrelated_file_and_updates_its_own(tmp_path, photo, tiny) -> None:
    src = small(photo, tmp_path / "a.jpg")
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    (shoot / "a.png").write_bytes(small(photo, tmp_path / "other.png", 8).read_bytes())  # not ours
    before = (shoot / "a.png").read_bytes()
    for _ in range(2):  # the rerun replaces its own earlier matte, never the user's file
        r = cli("matte", str(src), "-o", str(shoot), *tiny, "--quiet")
        assert r.returncode == 0, r.stderr
        assert "shoot/a.png exists and is not an output of MSIA Matte: kept it, wrote" in r.stderr
    assert (shoot / "a.png").read_bytes() == before
    assert sorted(p.name for p in shoot.iterdir()) == ["a-1.png", "a.png"] and is_own_output(shoot / "a-1.png")


def test_app_export_never_replaces_the_composites_background(qtbot, tmp_path, photo) -> None:
    from PySide6.QtCore import QSettings

    from app.dialogs.export import ExportOptions
    from app.document import Document
    from app.export_controller import ExportController
    from app.workers import Workers
    from matting.compose import Background

    bg = small(photo[:, ::-1], tmp_path / "beach.png")
    before = bg.read_bytes()
    doc = Document(load_image(small(photo, tmp_path / "cat.png")), None)
    doc.set_network_alpha(np.full(doc.image.rgb.shape[:2], 0.5, np.float32), {"model": "m"}, None)
    controller = ExportController(Workers(), QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                                  lambda: Background("image", image=str(bg)))
    with qtbot.waitSignal(controller.failed, timeout=20000) as failed:
        controller.export(doc, bg, ExportOptions("composite", "png", 8))
    assert "beach.png: refusing to write over an input" in failed.args[0]
    assert bg.read_bytes() == before


# 2. only the decoders of the listed formats ever see a file


def test_postscript_named_jpg_is_refused_without_being_interpreted(tmp_path) -> None:
    evil = tmp_path / "holiday.jpg"
    evil.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n(pwned) print showpage\n")
    with pytest.raises(Exception) as exc_info:
        with Image.open(evil) as im:  # what the tool used to do: Pillow takes it for EPS
            assert im.format == "EPS"
            raise RuntimeError("EPS")
    assert "EPS" in str(exc_info.value) or "Ghostscript" in str(exc_info.value)
    r = cli("cutout", str(evil), "-o", str(tmp_path / "out.png"), *NO_MODEL)
    assert r.returncode == 1 and "holiday.jpg: not an image file" in r.stderr, r.stderr
    assert "Ghostscript" not in r.stderr and "EPS" not in r.stderr.split("(read:")[0]


# 3. model files: every tensor's dtype and every config field checked at load, naming both


def _tampered(src: Path, dst: Path, meta_change=None, tensor_change=None) -> Path:
    from safetensors import safe_open
    from safetensors.torch import save_file

    with safe_open(str(src), framework="pt") as f:
        meta = json.loads(f.metadata()["msia"])
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    raw = json.dumps(meta_change(meta)) if meta_change else json.dumps(meta)
    if tensor_change:
        tensor_change(tensors)
    save_file(tensors, str(dst), metadata={"msia": raw})
    return dst


def _set(path: str, value):
    def change(meta):
        *parents, last = path.split(".")
        d = meta
        for p in parents:
            d = d[p]
        d[last] = value
        return meta
    return change


@pytest.mark.parametrize("case, change, message", [
    ("int8", None, "tensor"), ("bool", None, "tensor"),
    ("channels", _set("config.aspp_channels", 60000), "field config.aspp_channels: must be a whole number within 1..4096"),
    ("radius", _set("config.refiner", {"radius": 10 ** 9}), "field config.refiner.radius"),
    ("eps", _set("config.assembly_eps", "tiny"), "field config.assembly_eps: must be a number"),
    ("max_side", _set("recommended_max_side", 10 ** 6), "field recommended_max_side: must be a whole number within 32..4096"),
    ("list", lambda meta: [meta], "metadata must be a JSON object"),
    ("nested", None, "nested too deeply"),
])
def test_damaged_model_files_are_refused_naming_file_and_field(tmp_path, photo, small_model_path, case, change,
                                                               message) -> None:
    import torch

    bad = tmp_path / f"{case}.safetensors"
    if case in ("int8", "bool"):
        dtype = torch.int8 if case == "int8" else torch.bool
        def to(tensors):
            name = next(k for k, v in tensors.items() if v.is_floating_point())
            tensors[name] = tensors[name].to(dtype)
        _tampered(small_model_path, bad, tensor_change=to)
    elif case == "nested":
        from safetensors import safe_open
        from safetensors.torch import save_file

        with safe_open(str(small_model_path), framework="pt") as f:
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        save_file(tensors, str(bad), metadata={"msia": "[" * 100_000 + "]" * 100_000})
    else:
        _tampered(small_model_path, bad, change)
    src = small(photo, tmp_path / "cat.png", 8)
    r = cli("cutout", str(src), "-o", str(tmp_path / "out.png"), "--model", str(bad))
    assert r.returncode == 2 and f"{case}.safetensors" in r.stderr and message in r.stderr, r.stderr
    assert "unexpected" not in r.stderr and "cat.png" not in r.stderr
    if case in ("int8", "bool"):
        assert f"dtype {case}" in r.stderr
    assert not (tmp_path / "out.png").exists()


# 4. every option and auxiliary file is checked before the first photo (before the model loads)


@pytest.mark.parametrize("args, message", [
    (["--crop", "nan"], "crop padding must be within"),
    (["--crop", "inf"], "crop padding must be within"),
    (["--crop", "1e400"], "crop padding must be within"),
    (["--background", "{bg}"], "--background: {bg}: not an image file"),
    (["--report", "{folder}"], "is a folder; the report must be a file name"),
    (["--outputs", "cutout,sticker"], "outputs must be among"),
])
def test_batch_refuses_bad_options_and_files_before_the_model(tmp_path, photo, args, message) -> None:
    photos(tmp_path / "in", photo, 2)
    bg, folder = tmp_path / "bg.png", tmp_path / "report.json"
    bg.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)  # a damaged background image
    folder.mkdir()
    args = [a.format(bg=bg, folder=folder) for a in args]
    outputs = [] if "--outputs" in args else ["--outputs", "composite"]
    r = cli("batch", str(tmp_path / "in"), str(tmp_path / "out"), *args, *outputs, *NO_MODEL)
    assert r.returncode == 2 and message.format(bg=bg) in r.stderr and "no-model" not in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_cutout_output_that_is_a_folder_and_eval_json_folder_are_usage_errors(tmp_path, photo) -> None:
    src = small(photo, tmp_path / "cat.png")
    (tmp_path / "out.png").mkdir()
    r = cli("cutout", str(src), "-o", str(tmp_path / "out.png"), *NO_MODEL)
    assert r.returncode == 2 and "out.png: is a folder" in r.stderr and "no-model" not in r.stderr, r.stderr
    for d in ("img", "gt"):
        small(photo, tmp_path / d / "a.png", 8)
    r = cli("eval", "--images", str(tmp_path / "img"), "--alphas", str(tmp_path / "gt"), "--json", str(tmp_path), *NO_MODEL)
    assert r.returncode == 2 and "is a folder; the --json file must be a file name" in r.stderr, r.stderr


# 5. long and undecodable names are one file's failure, never the run's end


def test_long_and_undecodable_names_fail_alone_and_reports_survive(tmp_path, photo, tiny) -> None:
    src = tmp_path / "in"
    photos(src, photo, 1)
    small(photo, src / ("L" * 250 + ".jpg"))  # its output name (+ "_cutout.png") is over 255 bytes
    small(photo, src / ("m" * 236 + ".jpg"))  # fits, but not with a 15-character temporary suffix
    odd = os.fsdecode(b"caf\xe9.jpg")  # Latin-1 bytes: not valid UTF-8
    small(photo, src / odd)
    bg = small(photo[:, ::-1], tmp_path / os.fsdecode(b"fond\xff.png"))
    r = cli("batch", str(src), str(tmp_path / "out"), *tiny, "--quiet", "--outputs", "cutout,composite",
            "--background", str(bg), "--report", str(tmp_path / "r.csv"))
    assert r.returncode == 1, r.stderr
    assert "is 261 bytes long; file systems allow 255" in r.stderr and "Traceback" not in r.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text("utf-8"))))
    by_status = {row["input"].rsplit("/", 1)[1][:8]: row["status"] for row in rows}
    assert by_status == {"L" * 8: "failed", "m" * 8: "ok", "caf\\xe9.": "ok", "s000.jpg": "ok"}
    assert (tmp_path / "out" / ("m" * 236 + "_cutout.png")).is_file()
    assert os.fsencode(tmp_path / "out" / odd).endswith(b"caf\xe9.jpg")
    assert (tmp_path / "out" / os.fsdecode(b"caf\xe9_composite.png")).is_file()


# 6. metadata: what a JPEG cannot hold is left out and said; values may hold anything


def test_huge_exif_is_trimmed_for_a_jpeg_composite_and_metadata_is_structured(tmp_path, photo, tiny) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make: small, kept
    exif[0x010E] = "x" * 70_000  # ImageDescription: more than a JPEG's 64 KB segment
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(photo[::4, ::4]).save(src / "big_exif.png", exif=exif.tobytes())
    bg = small(photo[::-1], tmp_path / "bg; model=fake.png")  # a value holding "; " and "="
    r = cli("batch", str(src), str(tmp_path / "out"), *tiny, "--quiet", "--outputs", "composite", "--format", "jpg",
            "--background", str(bg), "--report", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stderr
    assert "big_exif_composite.jpg: the photo's EXIF (68 KB) is more than JPEG holds (63 KB): left out " \
           "ImageDescription; the other fields are kept" in r.stderr
    out = tmp_path / "out" / "big_exif_composite.jpg"
    with Image.open(out) as im:
        assert im.getexif()[0x010F] == "Canon" and 0x010E not in im.getexif()
    meta = read_metadata(out)
    assert meta["background"] == str(bg) and meta["model"] == "small-test" and is_own_output(out)
    assert "left out ImageDescription" in json.loads((tmp_path / "r.json").read_text())["files"][0]["warning"]


# 7. evaluation says what it matched and scores what a cutout's matte is


def test_eval_scores_the_alpha_of_rgba_predictions_and_refuses_ambiguous_stems(tmp_path) -> None:
    gt = eval_folders(tmp_path)
    rgba = np.dstack([np.full_like(gt, 200), np.full_like(gt, 30), np.full_like(gt, 90), gt])  # red far from alpha
    Image.fromarray(rgba).save(tmp_path / "pred" / "a.png")
    args = ["eval", "--images", str(tmp_path / "img"), "--alphas", str(tmp_path / "gt"), "--pred", str(tmp_path / "pred"),
            "--json", str(tmp_path / "s.json")]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    assert f"matched a: {tmp_path / 'img' / 'a.png'}, {tmp_path / 'gt' / 'a.png'}, {tmp_path / 'pred' / 'a.png'}" in r.stdout
    assert json.loads((tmp_path / "s.json").read_text())["rows"][0]["sad"] == 0.0
    Image.fromarray(np.dstack([gt] * 3)).save(tmp_path / "img" / "a.jpg")  # one stem, two images
    r = cli(*args)
    assert r.returncode == 2 and "img/a.jpg and" in r.stderr and "img/a.png: two files with the stem 'a'" in r.stderr


# 8. declared sizes are weighed against the data, and every memory limit counts


def test_tiny_jpeg_declaring_a_huge_photo_is_refused_before_decoding(tmp_path) -> None:
    buf = io.BytesIO()
    Image.new("L", (16, 16), 128).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 8900, 20000)  # height, width
    (tmp_path / "tiny.jpg").write_bytes(bytes(data))
    assert len(data) < 1000
    r = cli("cutout", str(tmp_path / "tiny.jpg"), "-o", str(tmp_path / "out.png"), "--max-side", "64")
    assert r.returncode == 1, r.stderr
    assert "tiny.jpg: the header declares 20000x8900 pixels (178 MP) but the file holds only" in r.stderr
    assert not (tmp_path / "out.png").exists()


def test_address_space_limit_counts_in_the_memory_check(tmp_path) -> None:
    Image.new("RGB", (6000, 5000), (90, 120, 30)).save(tmp_path / "big.png", compress_level=1)
    limit = 1_500_000_000

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    r = subprocess.run([sys.executable, "-m", "matting", "cutout", str(tmp_path / "big.png"), "-o",
                        str(tmp_path / "cut.png"), "--max-side", "64"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                       preexec_fn=cap)
    assert r.returncode == 1, r.stderr
    assert "big.png: 6000x5000 pixels (30 MP) needs about 1.8 GB of memory to cut out, only" in r.stderr
    assert "MemoryError" not in r.stderr and "unexpected" not in r.stderr


# 9. warnings name their file, also with --quiet; .avif is a batch input like any other


def test_quiet_warnings_name_the_file_and_avif_is_batched(tmp_path, photo, tiny) -> None:
    src = tmp_path / "in"
    src.mkdir()
    buf = io.BytesIO()  # an EXIF block whose tag points past its end: Pillow warns while reading it
    Image.fromarray(photo[::4, ::4]).save(buf, "JPEG", exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x0f\x00"
                                                           b"\x02\x00\x00\x00\x40\x00\x00\x01\x00")
    (src / "odd_exif.jpg").write_bytes(buf.getvalue())
    Image.fromarray(photo[::4, ::-4]).save(src / "phone.avif")
    r = cli("batch", str(src), str(tmp_path / "out"), *tiny, "--quiet", "--report", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("warning: ") and "odd_exif.jpg: " in line for line in lines), r.stderr
    assert "UserWarning" not in r.stderr
    assert statuses(tmp_path / "r.json") == {"odd_exif.jpg": "ok", "phone.avif": "ok"}
    assert load_image(tmp_path / "out" / "phone_cutout.png").input_alpha is not None


# the one chain: a file's own transparency is honoured by every command


def test_matte_honours_the_files_own_transparency_like_cutout(tmp_path, photo, tiny) -> None:
    rgba = np.dstack([photo[::4, ::4], np.full(photo[::4, ::4].shape[:2], 255, np.uint8)])
    rgba[:, : rgba.shape[1] // 2, 3] = 0  # the left half already cut away
    Image.fromarray(rgba).save(tmp_path / "cut.png")
    r = cli("matte", str(tmp_path / "cut.png"), "-o", str(tmp_path / "m"), *tiny, "--quiet")
    assert r.returncode == 0, r.stderr
    alpha = np.asarray(Image.open(tmp_path / "m" / "cut.png"))
    assert (alpha[:, : rgba.shape[1] // 2] == 0).all() and read_metadata(tmp_path / "m" / "cut.png")["input_alpha"] == "limit"


def test_every_network_config_field_has_a_check_at_load() -> None:
    from dataclasses import fields

    from matting.model_schema import NETWORK, REFINER
    from matting.network.config import MSIAConfig, RefinerConfig

    assert {f.name for f in fields(MSIAConfig)} - {"refiner"} == set(NETWORK)
    assert {f.name for f in fields(RefinerConfig)} == set(REFINER)
