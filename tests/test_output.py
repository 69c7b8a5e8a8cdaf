"""The one output renderer (matting/output.py): bit depths, premultiplied tagging, ICC, DPI and
EXIF carried into real files and read back."""
from __future__ import annotations


import cv2
import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms

from matting.compose import Background, blurred, unit
from matting.imageio import load_image
from matting.output import OutputSpec, render_output, save_output


def _soft_alpha(h: int, w: int) -> np.ndarray:
    yy, xx = np.mgrid[:h, :w]
    r = np.hypot(yy - h / 2, xx - w / 2)
    return np.clip((min(h, w) * 0.35 - r) / 6 + 0.5, 0, 1).astype(np.float32)


@pytest.fixture()
def camera_jpeg(tmp_path, photo):
    """A JPEG as cameras write it: sRGB profile, 300 dpi, EXIF with a maker and orientation 6."""
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0110] = "Model 7"
    exif[0x0112] = 6
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "camera.jpg"
    Image.fromarray(photo).save(path, quality=95, dpi=(300, 300), exif=exif.tobytes(), icc_profile=icc)
    return path


def test_16_bit_photo_to_8_bit_is_rounded_once_for_every_output() -> None:
    rgb16 = np.full((8, 8, 3), 0x12FF, np.uint16)  # >> 8 truncates to 0x12, rounding gives 0x13
    alpha = np.ones((8, 8), np.float32)
    fg = unit(rgb16)
    for spec in (OutputSpec("cutout", "webp"), OutputSpec("composite", "jpg"), OutputSpec("cutout", "png", 8)):
        out = render_output(rgb16, alpha, spec, fg)
        assert out.dtype == np.uint8 and out[0, 0, 0] == 0x13, spec
    assert render_output(rgb16, alpha, OutputSpec("cutout", "png"), fg).dtype == np.uint16  # the photo's depth
    assert render_output(rgb16, alpha, OutputSpec("alpha", "tiff", 16), fg).dtype == np.uint16


def test_specs_refuse_what_the_format_cannot_hold() -> None:
    with pytest.raises(ValueError, match="straight alpha only"):
        OutputSpec("cutout", "png", premultiplied=True)
    with pytest.raises(ValueError, match="JPEG holds no transparency"):
        OutputSpec("cutout", "jpg")
    OutputSpec("cutout", "tiff", premultiplied=True)


def test_premultiplied_tiff_is_tagged_associated_and_straight_is_unassociated(tmp_path, camera_jpeg) -> None:
    image = load_image(camera_jpeg)
    alpha = _soft_alpha(*image.rgb.shape[:2])
    fg = unit(image.rgb)
    pre = save_output(tmp_path / "pre.tif", image, alpha, OutputSpec("cutout", "tiff", premultiplied=True), fg)
    straight = save_output(tmp_path / "straight.tif", image, alpha, OutputSpec("cutout", "tiff"), fg)
    with tifffile.TiffFile(pre) as t:
        assert t.pages[0].tags["ExtraSamples"].value in (1, (1,))
        data = t.asarray()
    with tifffile.TiffFile(straight) as t:
        assert t.pages[0].tags["ExtraSamples"].value in (2, (2,))
    assert (data[..., :3].max(axis=2).astype(int) <= data[..., 3].astype(int) + 1).all()  # colour <= alpha


def test_dpi_exif_and_icc_are_carried_and_orientation_reset(tmp_path, camera_jpeg) -> None:
    image = load_image(camera_jpeg)
    assert image.rgb.shape[0] > image.rgb.shape[1]  # orientation 6 applied: now portrait
    alpha = _soft_alpha(*image.rgb.shape[:2])
    fg = unit(image.rgb)
    written = {
        "png": save_output(tmp_path / "cut.png", image, alpha, OutputSpec("cutout", "png"), fg),
        "jpg": save_output(tmp_path / "comp.jpg", image, alpha, OutputSpec("composite", "jpg"), fg),
        "webp": save_output(tmp_path / "cut.webp", image, alpha, OutputSpec("cutout", "webp"), fg),
        "tiff": save_output(tmp_path / "cut.tif", image, alpha, OutputSpec("cutout", "tiff"), fg),
    }
    for fmt, path in written.items():
        with Image.open(path) as im:
            exif = im.getexif()
            assert exif.get(0x010F) == "TestCam", fmt
            if fmt != "tiff":
                assert exif.get(0x0112) == 1, fmt  # pixels are upright: no second rotation
            if fmt != "webp":
                assert round(float(im.info["dpi"][0])) == 300, fmt
            assert im.info.get("icc_profile"), fmt
        back = load_image(path)
        assert back.rgb.shape[:2] == image.rgb.shape[:2], fmt  # not rotated again on reading


def test_alpha_png_has_no_rgb_profile(tmp_path, camera_jpeg) -> None:
    image = load_image(camera_jpeg)
    alpha = _soft_alpha(*image.rgb.shape[:2])
    path = save_output(tmp_path / "alpha.png", image, alpha, OutputSpec("alpha", "png"))
    with Image.open(path) as im:
        assert im.mode == "L" and "icc_profile" not in im.info
        assert round(float(im.info["dpi"][0])) == 300
    assert np.abs(np.asarray(Image.open(path)) / 255.0 - alpha).max() <= 0.5 / 255 + 1e-6


def test_16_bit_png_keeps_exif(tmp_path, camera_jpeg) -> None:
    image = load_image(camera_jpeg)
    image.rgb = image.rgb.astype(np.uint16) * 257
    alpha = _soft_alpha(*image.rgb.shape[:2])
    path = save_output(tmp_path / "cut16.png", image, alpha, OutputSpec("cutout", "png"), unit(image.rgb))
    back = load_image(path)
    assert back.rgb.dtype == np.uint16
    with Image.open(path) as im:
        assert im.getexif().get(0x010F) == "TestCam"


def test_wide_blur_is_fast_and_matches_a_full_size_blur(photo) -> None:
    big = cv2.resize(photo, (1200, 800), interpolation=cv2.INTER_CUBIC)
    sigma = 0.02 * 1200
    exact = cv2.GaussianBlur(unit(big), (0, 0), sigma)
    fast = blurred(big, sigma)
    inner = (slice(60, -60), slice(60, -60))  # borders are extrapolated differently
    assert np.abs(fast - exact)[inner].mean() < 1 / 255
    assert np.abs(fast - exact)[inner].max() < 4 / 255
    plate = render_output(big, np.zeros((800, 1200), np.float32), OutputSpec("composite", "png", background=Background("blur")),
                          unit(big))
    assert np.abs(plate / 255.0 - exact)[inner].mean() < 1.5 / 255
