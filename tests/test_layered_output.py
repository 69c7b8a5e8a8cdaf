"""Issue 13 part A outputs, written and read back: the layered TIFF (tifffile and Pillow, the mask
in place), crop to the subject, decontaminate in the renderer, edge controls and a PNG's own
alpha through the command line and the batch (the shipped network on real photos)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from matting.batch import BatchOptions, plan_batch, run_batch
from matting.compose import estimate_foreground
from matting.crop import Padding, parse_padding, subject_box
from matting.edge_controls import EdgeSettings, apply_edge_settings
from matting.engine import MattingEngine
from matting.imageio import load_image, read_metadata
from matting.input_alpha import honour_input_alpha
from matting.layered_tiff import read_layered
from matting.output import OutputSpec, render_output, save_output
from matting.resources import sample_path

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matting", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def engine(shipped_model_path):
    return MattingEngine(shipped_model_path, device="cpu", max_side=256)


@pytest.fixture(scope="module")
def coffee(engine):
    image = load_image(sample_path("coffee.jpg"))
    return image, engine.predict(image.rgb)


def test_layered_tiff_holds_the_photo_and_the_matte_as_unassociated_alpha(tmp_path, coffee) -> None:
    image, alpha = coffee
    out = save_output(tmp_path / "coffee_layered.tif", image, alpha, OutputSpec("layered", "tiff"),
                      metadata=EdgeSettings(feather=1).metadata())
    rgb, mask, extra = read_layered(out)
    assert extra == (2,)
    assert np.array_equal(rgb, image.rgb)  # every pixel of the photo, also where the matte is 0
    assert np.abs(mask.astype(int) - np.round(alpha * 255)).max() <= 1
    with Image.open(out) as im:  # what GIMP / Krita-style readers see: RGBA, the matte as transparency
        assert im.mode == "RGBA"
        pil = np.asarray(im)
    assert np.array_equal(pil[..., :3], image.rgb) and np.array_equal(pil[..., 3], mask)
    assert read_metadata(out)["edge_feather"] == "1"
    with tifffile.TiffFile(out) as tif:
        assert len(tif.pages) == 1 and tif.pages[0].photometric == tifffile.PHOTOMETRIC.RGB


def test_layered_is_a_tiff_only(coffee) -> None:
    with pytest.raises(ValueError, match="TIFF"):
        OutputSpec("layered", "png")


def test_sixteen_bit_photo_gives_a_sixteen_bit_layered_tiff(tmp_path, coffee) -> None:
    image, alpha = coffee
    deep = image.rgb.astype(np.uint16) * 257
    array = render_output(deep, alpha, OutputSpec("layered", "tiff"))
    assert array.dtype == np.uint16 and np.array_equal(array[..., :3], deep)


def test_crop_to_subject_with_padding(tmp_path, coffee) -> None:
    image, alpha = coffee
    box = subject_box(alpha, Padding(0))
    x, y, w, h = box
    assert alpha[y : y + h, x : x + w].max() > 0.5
    visible = alpha >= 1 / 255
    assert visible.sum() == visible[y : y + h, x : x + w].sum()  # nothing visible is cut
    px, py, pw, ph = subject_box(alpha, Padding(20))
    H, W = alpha.shape
    assert (px, py) == (max(0, x - 20), max(0, y - 20)) and px + pw == min(W, x + w + 20)
    assert subject_box(alpha, parse_padding("10%")) == subject_box(alpha, Padding(round(0.1 * max(w, h))))
    assert subject_box(np.zeros((30, 40), np.float32), Padding(5)) == (0, 0, 40, 30)  # nothing visible: no crop
    out = save_output(tmp_path / "c.png", image, alpha, OutputSpec("cutout", "png", crop=Padding(20)))
    assert Image.open(out).size == (pw, ph)
    assert read_metadata(out)["crop"] == f"{px},{py},{pw},{ph}"
    with pytest.raises(ValueError):
        parse_padding("lots")


def test_decontaminate_amount_in_the_renderer(coffee) -> None:
    image, alpha = coffee
    rgb, a = image.rgb[100:228, 100:228], alpha[100:228, 100:228]
    fg = estimate_foreground(rgb, a)
    raw = render_output(rgb, a, OutputSpec("cutout", "png", decontaminate=0.0), fg)
    full = render_output(rgb, a, OutputSpec("cutout", "png"), fg)
    assert np.array_equal(raw[..., :3], rgb)  # 0: the photo's own colours
    assert np.abs(full[..., :3].astype(int) - np.round(fg * 255)).max() <= 1


def test_cli_cutout_with_edge_crop_and_layered(tmp_path, shipped_model_path, engine) -> None:
    src = sample_path("astronaut.jpg")
    out = tmp_path / "a.png"
    r = cli("cutout", str(src), "-o", str(out), "--model", str(shipped_model_path), "--max-side", "256",
            "--edge", "feather=2,shift=-1,decontaminate=0.7", "--crop", "5%", "--quiet")
    assert r.returncode == 0, r.stderr
    meta = read_metadata(out)
    assert EdgeSettings.from_metadata(meta) == EdgeSettings(feather=2, shift=-1, decontaminate=0.7)
    image = load_image(src)
    alpha = apply_edge_settings(image.rgb, engine.predict(image.rgb), EdgeSettings(feather=2, shift=-1))
    x, y, w, h = subject_box(alpha, parse_padding("5%"))
    written = load_image(out)
    assert written.size == (w, h) and meta["crop"] == f"{x},{y},{w},{h}"
    assert np.abs(written.input_alpha / 255.0 - alpha[y : y + h, x : x + w]).max() < 2 / 255
    r = cli("cutout", str(src), "-o", str(tmp_path / "l.tif"), "--layered", "--model", str(shipped_model_path),
            "--max-side", "256", "--quiet")
    assert r.returncode == 0, r.stderr
    assert np.array_equal(read_layered(tmp_path / "l.tif")[0], image.rgb)
    r = cli("cutout", str(src), "-o", str(tmp_path / "l.png"), "--layered", "--model", str(shipped_model_path))
    assert r.returncode == 2 and "TIFF" in r.stderr
    r = cli("cutout", str(src), "-o", str(tmp_path / "x.png"), "--edge", "blur=3", "--model", str(shipped_model_path))
    assert r.returncode == 2 and "blur" in r.stderr


def _cutout_png(tmp_path) -> tuple[Path, np.ndarray]:
    """A real photo saved as a PNG whose right third is transparent (black underneath), the way
    an earlier cut or a canvas extension leaves it."""
    rgb = load_image(sample_path("astronaut.jpg")).rgb.copy()
    w = rgb.shape[1]
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[:, 2 * w // 3 :] = 0
    rgb[:, 2 * w // 3 :] = 0
    path = tmp_path / "canvas.png"
    Image.fromarray(np.dstack([rgb, alpha])).save(path)
    return path, alpha


def test_a_pngs_own_alpha_is_known_background(tmp_path, shipped_model_path, engine) -> None:
    path, own = _cutout_png(tmp_path)
    image = load_image(path)
    network = engine.predict(image.rgb)
    limited = honour_input_alpha(network, image, "limit")
    assert limited[own == 0].max() == 0 and np.array_equal(limited[own == 255], network[own == 255])
    assert np.array_equal(honour_input_alpha(network, image, "matte"), own / 255.0)
    assert honour_input_alpha(network, image, "ignore") is network
    out = tmp_path / "out.png"
    r = cli("cutout", str(path), "-o", str(out), "--model", str(shipped_model_path), "--max-side", "256", "--quiet")
    assert r.returncode == 0, r.stderr
    written = load_image(out).input_alpha
    assert written[own == 0].max() == 0
    assert read_metadata(out)["input_alpha"] == "limit"


def test_batch_applies_edge_crop_input_alpha_and_writes_layered(tmp_path, engine) -> None:
    src = tmp_path / "in"
    src.mkdir()
    png, own = _cutout_png(src)
    options = BatchOptions(("cutout", "layered"), "png", edge=EdgeSettings(feather=1.5), crop=Padding(10))
    items = plan_batch(src, tmp_path / "out", options)
    assert items[0].outputs["layered"].name == "canvas_layered.tif"
    report = run_batch(engine, items, options)
    assert report.ok, report.results
    rgb, mask, extra = read_layered(tmp_path / "out" / "canvas_layered.tif")
    meta = read_metadata(tmp_path / "out" / "canvas_cutout.png")
    assert extra == (2,) and meta["edge_feather"] == "1.5" and "crop" in meta
    x, y, w, h = map(int, meta["crop"].split(","))
    assert mask.shape == (h, w)
    image = load_image(png)
    assert np.array_equal(rgb, image.rgb[y : y + h, x : x + w])
    far = np.zeros_like(own, bool)
    far[:, 2 * own.shape[1] // 3 + 10 :] = True  # transparent in the file, beyond the feather's reach
    assert mask[far[y : y + h, x : x + w]].max(initial=0) == 0  # the file's transparency stays


@pytest.mark.parametrize("depth", [8, 16])
def test_psd_has_the_cutout_as_a_layer_with_a_real_mask_over_the_photo(tmp_path, coffee, depth) -> None:
    """Issue 29, item 7, read back with psd-tools (an independent reader, the dev extra): two layers,
    the photo untouched below (hidden), the cutout above with the matte as its user layer mask."""
    psd_tools = pytest.importorskip("psd_tools")
    image, alpha = coffee
    photo = image if depth == 8 else load_image(sample_path("coffee.jpg"))
    if depth == 16:
        photo.rgb = image.rgb.astype(np.uint16) * 257
    out = save_output(tmp_path / "coffee.psd", photo, alpha, OutputSpec("layered", "psd"),
                      metadata=EdgeSettings(feather=1).metadata())
    psd = psd_tools.PSDImage.open(out)
    assert (psd.width, psd.height, psd.depth, psd.channels) == (image.size[0], image.size[1], depth, 4)
    bottom, top = list(psd)
    assert (bottom.name, top.name) == ("Photo", "Cutout")
    assert not bottom.visible and top.visible and not bottom.has_mask() and top.has_mask()
    top_mask = top.mask
    assert (top_mask.left, top_mask.top, top_mask.right, top_mask.bottom) == (0, 0, *image.size)
    scale = 255 if depth == 8 else 65535
    mask = top.numpy("mask").reshape(alpha.shape)  # floats in [0, 1]
    assert np.abs(mask - alpha).max() <= 0.5 / scale + 1e-6  # the matte, as the layer's mask
    photo_pixels = bottom.numpy()[..., :3]  # floats in [0, 1]
    assert np.abs(photo_pixels - image.rgb / 255).max() <= 1e-6 + (0 if depth == 8 else 1 / 65535)
    fg = estimate_foreground(image.rgb, alpha)
    assert np.abs(top.numpy()[..., :3] - fg).max() <= 1 / scale + 1e-6  # the cutout's own colours
    merged = psd.numpy()  # the merged image: the cutout over transparency
    assert merged.shape[2] == 4 and np.abs(merged[..., 3] - alpha).max() <= 1 / scale + 1e-6
    assert psd.image_resources.get_data(1039) == image.icc_profile or not image.icc_profile
    xmp = psd.image_resources.get_data(1060)
    assert "<msia:edge_feather>1</msia:edge_feather>" in (xmp.decode() if isinstance(xmp, bytes) else str(xmp))


def test_psd_holds_the_layered_output_only() -> None:
    with pytest.raises(ValueError, match="PSD"):
        OutputSpec("cutout", "psd")
    OutputSpec("layered", "psd")
