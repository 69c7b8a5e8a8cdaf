"""Issue 14: the cases an adversarial run of the command line found. Every test makes its own
input (small photos, corrupt files, odd folders) and runs the real command with the shipped
model at a small working resolution."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from matting.errors import ImageReadError, ModelFileError
from matting.files import atomic_write
from matting.imageio import load_image, read_metadata

ROOT = Path(__file__).resolve().parents[1]
FAST = ("--max-side", "64")


def cli(*args: str, env: dict | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matting", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})})


def photos(folder: Path, photo: np.ndarray, n: int, step: int = 4, prefix: str = "s") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"{prefix}{i:03d}.jpg"
        Image.fromarray(np.roll(photo[::step, ::step], i * 7, axis=1)).save(path)
        paths.append(path)
    return paths


def statuses(report: Path) -> dict[str, str]:
    return {Path(f["input"]).name: f["status"] for f in json.loads(report.read_text())["files"]}


# 1. a batch never takes its own earlier outputs as inputs


def test_batch_into_its_own_folder_never_reprocesses_its_outputs(tmp_path, photo) -> None:
    same = tmp_path / "same"
    photos(same, photo, 2)
    for extra in ((), ("--format", "tiff"), ("--on-exists", "number")):
        r = cli("batch", str(same), str(same), *FAST, "--quiet", "--report", str(tmp_path / "r.json"), *extra)
        assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in same.iterdir())
    assert names == ["s000.jpg", "s000_cutout-1.png", "s000_cutout.png", "s000_cutout.tif",
                     "s001.jpg", "s001_cutout-1.png", "s001_cutout.png", "s001_cutout.tif"]
    report = json.loads((tmp_path / "r.json").read_text())["files"]
    skipped = {Path(f["input"]).name: f["error"] for f in report if f["status"] == "skipped"}
    assert set(skipped) == {"s000_cutout.png", "s000_cutout.tif", "s001_cutout.png", "s001_cutout.tif"}
    assert all("an output of MSIA Matte" in e for e in skipped.values())


def test_earlier_outputs_below_the_input_folder_are_not_inputs(tmp_path, photo) -> None:
    nest = tmp_path / "nest"
    photos(nest, photo, 2)
    r = cli("batch", str(nest), str(nest / "out"), *FAST, "--quiet", "--recursive", "--outputs", "cutout,alpha")
    assert r.returncode == 0, r.stderr
    r = cli("batch", str(nest), str(nest / "out2"), *FAST, "--quiet", "--recursive", "--report", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (nest / "out2").rglob("*")) == ["s000_cutout.png", "s001_cutout.png"]
    assert sorted(statuses(tmp_path / "r.json").values()) == ["ok", "ok"] + ["skipped"] * 4


# 2. a model with NaN weights is refused


def test_model_with_nan_weights_is_refused_by_name(tmp_path, photo) -> None:
    import torch

    from matting.network import build_msia
    from matting.weights import load_model, save_model

    net = build_msia(variant="full", aspp_channels=32, decoder_channels=16, fine_channels=8)
    with torch.no_grad():
        next(net.parameters())[0] = float("nan")
    bad = save_model(net, tmp_path / "diverged.safetensors", {"name": "diverged"})
    with pytest.raises(ModelFileError, match="diverged.safetensors: 1 tensor"):
        load_model(bad)
    Image.fromarray(photo[::4, ::4]).save(tmp_path / "cat.png")
    r = cli("matte", str(tmp_path / "cat.png"), "-o", str(tmp_path / "out"), "--model", str(bad))
    assert r.returncode == 2 and "diverged.safetensors" in r.stderr and "NaN" in r.stderr
    assert not (tmp_path / "out" / "cat.png").exists()


# 3. two inputs with one stem get two outputs


def test_matte_gives_inputs_with_one_stem_separate_outputs(tmp_path, photo) -> None:
    Image.fromarray(photo[::4, ::4]).save(tmp_path / "dup.jpg")
    Image.fromarray(photo[::4, ::-4]).save(tmp_path / "dup.png")
    r = cli("matte", str(tmp_path / "dup.jpg"), str(tmp_path / "dup.png"), "-o", str(tmp_path / "out"), *FAST, "--quiet")
    assert r.returncode == 0, r.stderr
    a, b = (np.asarray(Image.open(tmp_path / "out" / n)) for n in ("dup_jpg.png", "dup_png.png"))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dup_jpg.png", "dup_png.png"]
    assert not np.array_equal(a, b)


# 4. names are claimed atomically: concurrent writers never share one


def test_concurrent_numbered_writes_never_share_a_name(tmp_path) -> None:
    payloads = [bytes([i]) * (50_000 + i) for i in range(16)]
    written: list[Path] = []
    barrier = threading.Barrier(len(payloads))

    def write(data: bytes) -> None:
        barrier.wait()
        written.append(atomic_write(tmp_path / "out.png", data, on_exists="number"))

    threads = [threading.Thread(target=write, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(written)) == 16 and len(list(tmp_path.iterdir())) == 16
    assert sorted(p.read_bytes() for p in written) == sorted(payloads)  # every file whole, none lost


def test_two_concurrent_batches_into_one_folder_lose_nothing(tmp_path, photo) -> None:
    src = tmp_path / "in"
    photos(src, photo, 4)
    cmd = [sys.executable, "-m", "matting", "batch", str(src), str(tmp_path / "out"), *FAST, "--quiet",
           "--on-exists", "number"]
    runs = [subprocess.Popen([*cmd, "--report", str(tmp_path / f"r{i}.json")], cwd=ROOT, stderr=subprocess.PIPE, text=True)
            for i in range(2)]
    for p in runs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    outputs = [o for i in range(2) for f in json.loads((tmp_path / f"r{i}.json").read_text())["files"] for o in f["outputs"]]
    assert len(outputs) == len(set(outputs)) == 8
    assert sorted(str(p) for p in (tmp_path / "out").iterdir()) == sorted(outputs)


# 5. a 1x1 photo


def test_one_pixel_photo_is_cut_out(tmp_path) -> None:
    Image.fromarray(np.array([[[200, 10, 10]]], np.uint8)).save(tmp_path / "dot.png")
    r = cli("cutout", str(tmp_path / "dot.png"), "-o", str(tmp_path / "dot_cut.png"), *FAST)
    assert r.returncode == 0, r.stderr
    out = load_image(tmp_path / "dot_cut.png")
    assert out.rgb.shape == (1, 1, 3) and out.input_alpha.shape == (1, 1)


# 6. eval refuses mismatched sizes and goes on past a corrupt ground truth


def test_eval_names_mismatched_and_corrupt_files_and_scores_the_rest(tmp_path) -> None:
    for d in ("img", "gt", "pred"):
        (tmp_path / d).mkdir()
    gt = np.zeros((20, 30), np.uint8)
    gt[5:15, 10:20] = 255
    for name in ("a", "b", "c"):
        Image.fromarray(np.dstack([gt] * 3)).save(tmp_path / "img" / f"{name}.png")
        Image.fromarray(gt).save(tmp_path / "pred" / f"{name}.png")
    Image.fromarray(gt).save(tmp_path / "gt" / "a.png")
    Image.fromarray(gt[:10]).save(tmp_path / "gt" / "b.png")  # another size than its image
    (tmp_path / "gt" / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    args = ("eval", "--images", str(tmp_path / "img"), "--alphas", str(tmp_path / "gt"), "--json", str(tmp_path / "s.json"))
    for extra in (("--pred", str(tmp_path / "pred")), FAST):
        r = cli(*args, *extra)
        assert r.returncode == 1, r.stderr
        assert "gt/b.png: is 30x10, but" in r.stderr and "gt/c.png" in r.stderr and "Traceback" not in r.stderr
        scores = json.loads((tmp_path / "s.json").read_text())
        assert [row["name"] for row in scores["rows"]] == ["a"]
        assert [f["name"] for f in scores["failed"]] == ["b", "c"]
    Image.fromarray(gt[:, :20]).save(tmp_path / "pred" / "a.png")  # a prediction of another size
    r = cli(*args, "--pred", str(tmp_path / "pred"))
    assert r.returncode == 1 and "pred/a.png: prediction is 20x20" in r.stderr


# 7. an absurd working resolution is a usage error


def test_max_side_out_of_range_is_a_usage_error(tmp_path) -> None:
    r = cli("matte", str(tmp_path / "x.jpg"), "-o", str(tmp_path), "--max-side", "100000")
    assert r.returncode == 2 and "outside 32..4096" in r.stderr and "MemoryError" not in r.stderr


# 8. a photo whose cutout would not fit in memory is refused before decoding


def test_photo_too_large_for_memory_is_refused_with_both_figures(tmp_path) -> None:
    Image.new("RGB", (2000, 1500), (90, 120, 30)).save(tmp_path / "big.png")
    r = cli("cutout", str(tmp_path / "big.png"), "-o", str(tmp_path / "cut.png"), *FAST,
            env={"MSIA_MATTE_MAX_MEMORY": "100000000"})
    assert r.returncode == 1
    assert "big.png: 2000x1500 pixels (3 MP) needs about 0.2 GB of memory to cut out, only 0.1 GB" in r.stderr
    assert not (tmp_path / "cut.png").exists()


# 9. float32 RGB TIFF


def test_float32_rgb_tiff_is_read(tmp_path) -> None:
    import tifffile

    rgb = np.random.default_rng(0).random((12, 16, 3), dtype=np.float32)
    tifffile.imwrite(tmp_path / "f.tif", rgb, photometric="rgb")
    loaded = load_image(tmp_path / "f.tif")
    assert loaded.rgb.dtype == np.uint16 and loaded.rgb.shape == (12, 16, 3)
    assert np.abs(loaded.rgb / 65535 - rgb).max() < 1e-4


# 10. everything checkable is checked before the model loads (a bad model path would be
#     reported first otherwise) and so before the network runs


@pytest.mark.parametrize("case, message", [
    ("missing trimap", "nope.png: file not found"),
    ("wrong-size trimap", "tri.png: trimap is 10x10"),
    ("unsupported suffix", "out.gif: unsupported output format"),
    ("output is the input", "refusing to write over an input"),
    ("uncreatable folder", "cannot create output folder"),
])
def test_cutout_checks_everything_before_the_network(tmp_path, photo, case, message) -> None:
    src = tmp_path / "cat.png"
    Image.fromarray(photo[::4, ::4]).save(src)
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "tri.png")
    (tmp_path / "blocker").write_text("a file where a folder should be")
    out, extra = tmp_path / "out.png", []
    if case == "missing trimap":
        extra = ["--trimap", str(tmp_path / "nope.png")]
    elif case == "wrong-size trimap":
        extra = ["--trimap", str(tmp_path / "tri.png")]
    elif case == "unsupported suffix":
        out = tmp_path / "out.gif"
    elif case == "output is the input":
        out, extra = src, ["--on-exists", "overwrite"]
    else:
        out = tmp_path / "blocker" / "sub" / "out.png"
    r = cli("cutout", str(src), "-o", str(out), *extra, "--model", str(tmp_path / "no-model.safetensors"))
    assert r.returncode in (1, 2) and message in r.stderr and "no-model" not in r.stderr, r.stderr


def test_batch_checks_its_output_folder_before_the_network(tmp_path, photo) -> None:
    photos(tmp_path / "in", photo, 1)
    (tmp_path / "blocker").write_text("x")
    r = cli("batch", str(tmp_path / "in"), str(tmp_path / "blocker" / "out"), "--model", str(tmp_path / "none.safetensors"))
    assert r.returncode == 1 and "cannot create output folder" in r.stderr and "none.safetensors" not in r.stderr


@pytest.fixture()
def small_disk(tmp_path):
    """A 320 KB file system (tmpfs; needs root, as in the dev container, else skipped)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(mount)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_batch_stops_at_a_full_disk_and_lists_the_rest(tmp_path, photo, small_disk) -> None:
    src = tmp_path / "in"
    photos(src, photo, 8, step=1)
    r = cli("batch", str(src), str(small_disk / "out"), *FAST, "--quiet", "--report", str(tmp_path / "r.json"))
    assert r.returncode == 1 and "No space left" in r.stderr, r.stderr
    found = list(statuses(tmp_path / "r.json").values())
    assert len(found) == 8 and found.count("failed") == 1 and "not processed" in found
    assert found.index("failed") > found.index("ok")  # some were written before the disk filled
    assert found[found.index("failed") + 1:] == ["not processed"] * (7 - found.index("failed"))
    assert not list((small_disk / "out").glob(".*"))  # no temporary file left on the full disk


# 11. Ctrl+C and SIGTERM: every file is in the report, with its status


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_batch_reports_every_file(tmp_path, photo, sig, code) -> None:
    """Ctrl+C (SIGINT) and SIGTERM once the first output is on disk. Sixteen photos with the edge
    re-solve take seconds each after the first, so the signal always finds the batch running
    (said, not assumed: the test fails with that message otherwise)."""
    src = tmp_path / "many"
    photos(src, photo, 16, step=1)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "matting", "batch", str(src), str(out), "--max-side", "256",
                             "--refine-edges", "--report", str(tmp_path / "r.json"), "--quiet"],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("*.png")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the batch ended before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert "cancelled" in err and "Traceback" not in err
    found = statuses(tmp_path / "r.json")
    assert sorted(found) == sorted(p.name for p in src.iterdir())  # every file, those not reached too
    assert "ok" in found.values() and "not processed" in found.values()
    assert set(found.values()) <= {"ok", "not processed"}
    written = sorted(out.glob("*.png"))
    assert len(written) == list(found.values()).count("ok")
    assert not list(out.glob(".*"))  # complete files only, no temporaries
    for p in written:
        assert load_image(p).rgb.shape[:2] == photo.shape[:2]


# 12. the smaller ones


def test_input_folder_problems_are_usage_errors_and_empty_folders_are_named(tmp_path) -> None:
    r = cli("batch", str(tmp_path / "missing"), str(tmp_path / "out"))
    assert r.returncode == 2 and "missing: input folder not found" in r.stderr
    (tmp_path / "photo.jpg").write_bytes(b"x")
    r = cli("batch", str(tmp_path / "photo.jpg"), str(tmp_path / "out"))
    assert r.returncode == 2 and "photo.jpg: is a file, not a folder" in r.stderr
    (tmp_path / "empty").mkdir()
    r = cli("batch", str(tmp_path / "empty"), str(tmp_path / "out"), *FAST)
    assert r.returncode == 0 and "empty: no images found" in r.stderr


def test_conflicting_or_out_of_range_options_are_usage_errors(tmp_path, photo) -> None:
    Image.fromarray(photo[::4, ::4]).save(tmp_path / "cat.png")
    r = cli("cutout", str(tmp_path / "cat.png"), "-o", str(tmp_path / "o.png"), "--trimap", str(tmp_path / "cat.png"),
            "--refine-edges")
    assert r.returncode == 2 and "--refine-edges and --trimap" in r.stderr
    r = cli("cutout", str(tmp_path / "cat.png"), "-o", str(tmp_path / "o.jpg"), "--background", "300,0,0")
    assert r.returncode == 2 and "0-255" in r.stderr


def test_animated_files_warn_and_gifs_are_batch_inputs(tmp_path, photo) -> None:
    src = tmp_path / "in"
    src.mkdir()
    frames = [Image.fromarray(np.roll(photo[::4, ::4], k * 9, axis=1)) for k in range(3)]
    frames[0].save(src / "anim.gif", save_all=True, append_images=frames[1:])
    frames[0].save(src / "anim2.webp", save_all=True, append_images=frames[1:], lossless=True)
    assert load_image(src / "anim2.webp").warning.endswith("animated (3 frames); only the first frame is used")
    r = cli("batch", str(src), str(tmp_path / "out"), *FAST, "--quiet", "--report", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stderr
    assert "anim.gif: animated (3 frames)" in r.stderr and "anim2.webp: animated (3 frames)" in r.stderr
    files = json.loads((tmp_path / "r.json").read_text())["files"]
    assert {Path(f["input"]).name: f["status"] for f in files} == {"anim.gif": "ok", "anim2.webp": "ok"}
    assert all("first frame" in f["warning"] for f in files)


def test_recursive_batch_follows_symlinked_folders_once_and_reports_absolute_paths(tmp_path, photo) -> None:
    elsewhere = tmp_path / "elsewhere"
    photos(elsewhere, photo, 1, prefix="linked")
    src = tmp_path / "in"
    photos(src, photo, 1)
    (src / "link").symlink_to(elsewhere, target_is_directory=True)
    (elsewhere / "loop").symlink_to(src, target_is_directory=True)  # a cycle must not hang the walk
    r = cli("batch", "in", "out", *FAST, "--quiet", "--recursive", "--report", str(tmp_path / "r.json"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    files = json.loads((tmp_path / "r.json").read_text())["files"]
    assert sorted(Path(f["input"]).name for f in files) == ["linked000.jpg", "s000.jpg"]
    assert (tmp_path / "out" / "link" / "linked000_cutout.png").is_file()
    assert all(Path(p).is_absolute() for f in files for p in [f["input"], *f["outputs"]])


def test_matte_errors_get_their_own_line(tmp_path, photo) -> None:
    Image.fromarray(photo[::4, ::4]).save(tmp_path / "cat.png")
    (tmp_path / "bad.png").write_text("not a photo")
    r = cli("matte", str(tmp_path / "cat.png"), str(tmp_path / "bad.png"), "-o", str(tmp_path / "out"), *FAST)
    assert r.returncode == 1
    lines = [line.split("\r")[-1] for line in r.stderr.splitlines()]
    assert any(line.startswith("error: ") and "bad.png" in line for line in lines), r.stderr


def test_atomic_write_leaves_no_temporary_file_on_ctrl_c(tmp_path) -> None:
    def interrupted(tmp: str) -> None:
        Path(tmp).write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "x.png", interrupted)
    assert list(tmp_path.iterdir()) == []


def test_outputs_say_they_are_ours_in_every_format(tmp_path, photo) -> None:
    from matting.imageio import is_own_output, save_image

    Image.fromarray(photo).save(tmp_path / "camera.jpg", comment=b"a camera's comment")
    assert not is_own_output(tmp_path / "camera.jpg")
    for name in ("o.png", "o.tif", "o.webp", "o.jpg"):
        path = save_image(tmp_path / name, photo, metadata={"model": "m"})
        assert is_own_output(path) and read_metadata(path)["model"] == "m", name
    with pytest.raises(ImageReadError):
        load_image(tmp_path / "none.png")
