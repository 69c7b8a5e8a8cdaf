"""Colour management on real wide-gamut files: the sample photo converted to Adobe RGB, Display P3
and ProPhoto by littleCMS (Pillow's ImageCms) with profiles made by code (tests/icc_profiles.py),
written as real PNG / 16-bit TIFF files and read back. Our conversions agree with littleCMS, the
network sees the photo in sRGB, a composite's background lands in the output's profile as the
colour asked for, 16-bit stays 16-bit, and the app's pictures come out in sRGB."""
from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from matting.colour import SRGB_PROFILE, colour_in_profile, convert, is_srgb, network_rgb, parse
from matting.compose import Background
from matting.imageio import load_image, save_image
from matting.output import OutputSpec, save_output
from matting.pixels import unit

from .icc_profiles import adobe_rgb, display_p3, prophoto

ROOT = Path(__file__).resolve().parents[1]
SRGB = ImageCms.ImageCmsProfile(io.BytesIO(SRGB_PROFILE))
BLUE = (0x00, 0x57, 0xB8)  # "#0057B8"


def lcms(rgb8: np.ndarray, src: bytes, dst: bytes) -> np.ndarray:
    """littleCMS's answer (relative colorimetric), 8-bit."""
    out = ImageCms.profileToProfile(Image.fromarray(rgb8), ImageCms.ImageCmsProfile(io.BytesIO(src)),
                                    ImageCms.ImageCmsProfile(io.BytesIO(dst)), renderingIntent=1, outputMode="RGB")
    return np.asarray(out)


def as_png(path: Path, rgb8: np.ndarray, icc: bytes | None) -> Path:
    Image.fromarray(rgb8).save(path, icc_profile=icc) if icc else Image.fromarray(rgb8).save(path)
    return path


@pytest.mark.parametrize("make", [adobe_rgb, display_p3, prophoto])
def test_conversions_agree_with_littlecms_both_ways(photo, make) -> None:
    icc = make()
    assert parse(icc) is not None and not is_srgb(icc)
    theirs = lcms(photo, SRGB_PROFILE, icc)
    ours = convert(photo, None, icc, np.uint8)
    assert np.abs(theirs.astype(int) - ours).max() <= 2
    back = network_rgb(theirs, icc)
    assert back.dtype == np.uint8
    assert np.abs(back.astype(int) - lcms(theirs, icc, SRGB_PROFILE)).max() <= 2
    assert np.abs(back.astype(int) - photo).max() <= 2  # the round trip comes home


def test_srgb_untagged_grey_and_broken_profiles_leave_the_pixels_as_they_are(photo) -> None:
    assert is_srgb(None) and is_srgb(SRGB_PROFILE)
    assert network_rgb(photo, None) is photo and network_rgb(photo, SRGB_PROFILE) is photo
    grey = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()  # not an RGB profile
    broken = adobe_rgb()[:200]  # an RGB header whose tags are cut off
    for icc in (grey, broken):
        assert np.array_equal(network_rgb(photo, icc), photo)


def test_a_composite_on_a_chosen_colour_over_an_adobe_rgb_photo_shows_that_colour(photo, tmp_path) -> None:
    icc = adobe_rgb()
    image = load_image(as_png(tmp_path / "adobe.png", lcms(photo, SRGB_PROFILE, icc), icc))
    assert image.icc_profile == icc
    alpha = np.zeros(photo.shape[:2], np.float32)
    alpha[:, photo.shape[1] // 2 :] = 1.0
    spec = OutputSpec("composite", "png", background=Background.parse("#0057B8"))
    out = load_image(save_output(tmp_path / "on_blue.png", image, alpha, spec, fg=unit(image.rgb)))
    assert out.icc_profile == icc  # the output keeps the photo's profile...
    written = out.rgb[:, :10].reshape(-1, 3)
    assert np.ptp(written, axis=0).max() == 0
    assert tuple(written[0]) != BLUE  # ...so the blue is stored in Adobe RGB values,
    shown = lcms(out.rgb[:1, :1], icc, SRGB_PROFILE)[0, 0]  # which littleCMS shows as the blue asked for
    assert np.abs(shown.astype(int) - BLUE).max() <= 1
    subject = out.rgb[:, -10:].astype(int) - image.rgb[:, -10:]
    assert np.abs(subject).max() <= 1  # the subject keeps the photo's own values


def test_a_16_bit_prophoto_tiff_stays_16_bit_with_its_background_and_a_background_photo_converted(photo, tmp_path) -> None:
    icc = prophoto()
    wide = convert(photo, None, icc, np.uint16)
    path = save_image(tmp_path / "prophoto16.tif", wide, icc_profile=icc)
    image = load_image(path)
    assert image.rgb.dtype == np.uint16 and image.icc_profile == icc
    seen = network_rgb(image.rgb, image.icc_profile)
    assert seen.dtype == np.uint16 and len(np.unique(seen)) > 256  # 16-bit precision kept
    assert np.abs(seen.astype(np.float64) / 257 - photo).max() <= 1.0
    alpha = np.zeros(photo.shape[:2], np.float32)
    fg = unit(image.rgb)  # the subject's colours as they are (this test is about the background)
    blue = load_image(save_output(tmp_path / "blue.tif", image, alpha,
                                  OutputSpec("composite", "tiff", background=Background.parse("#0057B8")), fg))
    assert blue.rgb.dtype == np.uint16 and blue.icc_profile == icc
    assert np.abs(convert(blue.rgb[:1, :1], icc, None)[0, 0] * 255 - BLUE).max() < 0.05
    backdrop = as_png(tmp_path / "backdrop.png", np.full((20, 30, 3), BLUE, np.uint8), None)  # untagged: sRGB
    plate = load_image(save_output(tmp_path / "plate.tif", image, alpha,
                                   OutputSpec("composite", "tiff", background=Background("image", image=backdrop)), fg))
    assert np.abs(convert(plate.rgb[5:6, 5:6], icc, None)[0, 0] * 255 - BLUE).max() < 0.05
    assert np.allclose(colour_in_profile(BLUE, icc), unit_of(blue.rgb[0, 0]), atol=1e-4)


def unit_of(pixel: np.ndarray) -> np.ndarray:
    return pixel.astype(np.float32) / 65535.0


def test_the_network_sees_a_wide_gamut_photo_as_its_srgb_original(photo, tmp_path, shipped_model_path) -> None:
    """The real CLI on three files: the sRGB sample, its Adobe RGB conversion (tagged) and the same
    Adobe RGB pixels untagged (read as sRGB: how every photo was treated before). The tagged
    file's matte matches the original's; the untagged one's is what a wrong colour does."""
    small = np.asarray(Image.fromarray(photo).resize((300, 200), Image.LANCZOS))
    icc = adobe_rgb()
    wide = lcms(small, SRGB_PROFILE, icc)
    files = [as_png(tmp_path / "srgb.png", small, None), as_png(tmp_path / "tagged.png", wide, icc),
             as_png(tmp_path / "untagged.png", wide, None)]
    result = subprocess.run([sys.executable, "-m", "matting", "matte", *map(str, files), "-o", str(tmp_path / "out"),
                             "--model", str(shipped_model_path), "--max-side", "256", "--no-flip", "--precision", "fp32", "--quiet"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    srgb, tagged, untagged = (np.asarray(Image.open(tmp_path / "out" / f"{f.stem}.png"), np.float32) for f in files)
    # measured: 0.47 against 1.89 levels of 255 (fp32: bf16's rounding moves mattes by as much)
    assert np.abs(tagged - srgb).mean() < 0.5 * np.abs(untagged - srgb).mean()


def test_the_app_draws_an_adobe_rgb_photo_in_srgb(qapp, photo) -> None:
    from PySide6.QtGui import QColorSpace

    from app.views.render import to_qimage

    icc = adobe_rgb()
    wide = lcms(photo[:40, :40], SRGB_PROFILE, icc)
    image = to_qimage(wide, icc)
    assert image.colorSpace() == QColorSpace(QColorSpace.NamedColorSpace.SRgb)
    shown = np.array([[image.pixelColor(x, y).getRgb()[:3] for x in range(0, 40, 7)] for y in range(0, 40, 7)])
    assert np.abs(shown - photo[:40:7, :40:7]).max() <= 3
    plain = to_qimage(photo[:40, :40])  # an sRGB photo is drawn as it is
    assert plain.pixelColor(3, 5).getRgb()[:3] == tuple(photo[5, 3])


def test_the_window_shows_an_adobe_rgb_photo_as_the_srgb_original(qtbot, tmp_path, photo, small_model_path) -> None:
    """The real window, one pane on the original: the tagged Adobe RGB copy of the photo looks on
    screen like the sRGB photo (the pane's pictures go through QColorSpace), though its pixels
    differ from the photo's by far more."""
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QImage

    from app.main_window import MainWindow

    small = photo[::2, ::2]
    icc = adobe_rgb()
    wide = lcms(small, SRGB_PROFILE, icc)
    window = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                        model=str(small_model_path), device="cpu", max_side=128)
    qtbot.addWidget(window)
    window.resize(800, 600)
    window.show()
    window.set_layout("single")
    window.set_view("original")

    def shown(path: Path) -> np.ndarray:
        window.open_path(path)
        qtbot.waitUntil(lambda: window.doc is not None and window.doc.image.path == path, timeout=120_000)
        qtbot.waitUntil(lambda: not window.display_busy(), timeout=120_000)
        image = window.compare.panes[0].canvas.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        w, h = image.width(), image.height()
        return np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())[:, : 3 * w].reshape(h, w, 3).astype(int)

    try:
        original = shown(as_png(tmp_path / "srgb.png", small, None))
        tagged = shown(as_png(tmp_path / "tagged.png", wide, icc))
        assert np.abs(tagged - original).mean() < 0.5 < 2 < np.abs(wide.astype(int) - small).mean()
    finally:
        window.workers.cancel_all()
        window.workers.wait(20000)
