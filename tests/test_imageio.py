"""Image I/O with real files written and read back, and every kind of bad input."""
from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from matting.errors import ImageReadError, ImageWriteError
from matting.imageio import load_image, read_metadata, save_alpha, save_image


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_jpeg_round_trip_and_exif_rotation(tmp_path, photo) -> None:
    im = Image.fromarray(photo)
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90 clockwise when displayed
    path = tmp_path / "rotated.jpg"
    im.save(path, quality=95, exif=exif)
    loaded = load_image(path)
    assert loaded.rgb.shape == (photo.shape[1], photo.shape[0], 3)  # portrait after rotation
    assert loaded.bit_depth == 8 and loaded.rgb.dtype == np.uint8
    # the displayed top-left is the stored bottom-left
    assert np.abs(loaded.rgb[0, 0].astype(int) - photo[-1, 0].astype(int)).max() < 40


def test_16bit_png_rgb_is_kept(tmp_path) -> None:
    rgb16 = (np.random.default_rng(0).random((20, 30, 3)) * 65535).astype(np.uint16)
    path = save_image(tmp_path / "deep.png", rgb16, metadata={"model": "x"})
    loaded = load_image(path)
    assert loaded.rgb.dtype == np.uint16 and np.array_equal(loaded.rgb, rgb16)
    assert read_metadata(path)["model"] == "x"


def test_16bit_tiff_rgba_round_trip_with_icc(tmp_path) -> None:
    rgba = (np.random.default_rng(1).random((12, 10, 4)) * 65535).astype(np.uint16)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = save_image(tmp_path / "deep.tif", rgba, icc_profile=icc, metadata={"model": "m"})
    loaded = load_image(path)
    assert np.array_equal(loaded.rgb, rgba[..., :3]) and np.array_equal(loaded.input_alpha, rgba[..., 3])
    assert read_metadata(path)["model"] == "m"
    import tifffile

    with tifffile.TiffFile(path) as tif:
        assert tif.pages[0].tags[34675].value == icc


def test_16bit_grayscale_png(tmp_path) -> None:
    g = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000)
    Image.fromarray(g).save(tmp_path / "g16.png")
    loaded = load_image(tmp_path / "g16.png")
    assert loaded.rgb.dtype == np.uint16 and np.array_equal(loaded.rgb[..., 1], g)


def test_cmyk_jpeg_converts_to_rgb(tmp_path) -> None:
    Image.new("CMYK", (16, 8), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg")  # pure red in CMYK
    loaded = load_image(tmp_path / "cmyk.jpg")
    assert loaded.mode == "CMYK" and loaded.rgb.shape == (8, 16, 3)
    r, g, b = loaded.rgb[4, 8].astype(int)
    assert r > 200 and g < 60 and b < 60


def test_palette_png_with_transparency_offers_its_alpha(tmp_path) -> None:
    im = Image.new("P", (10, 10), 0)
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    im.paste(1, (5, 0, 10, 10))
    im.info["transparency"] = 0
    im.save(tmp_path / "pal.png", transparency=0)
    loaded = load_image(tmp_path / "pal.png")
    assert loaded.rgb.shape == (10, 10, 3) and tuple(loaded.rgb[0, 9]) == (0, 0, 255)
    assert loaded.input_alpha[0, 0] == 0 and loaded.input_alpha[0, 9] == 255


def test_grayscale_and_la_inputs(tmp_path) -> None:
    Image.new("L", (5, 4), 77).save(tmp_path / "g.png")
    Image.new("LA", (5, 4), (90, 128)).save(tmp_path / "la.png")
    assert tuple(load_image(tmp_path / "g.png").rgb[0, 0]) == (77, 77, 77)
    la = load_image(tmp_path / "la.png")
    assert tuple(la.rgb[0, 0]) == (90, 90, 90) and la.input_alpha[0, 0] == 128


def test_webp_bmp_read(tmp_path, photo) -> None:
    Image.fromarray(photo).save(tmp_path / "p.bmp")
    assert np.array_equal(load_image(tmp_path / "p.bmp").rgb, photo)
    rgba = np.dstack([photo, np.full(photo.shape[:2], 200, np.uint8)])
    path = save_image(tmp_path / "p.webp", rgba)
    loaded = load_image(path)
    assert np.array_equal(loaded.rgb, photo) and (loaded.input_alpha == 200).all()  # lossless


@pytest.mark.parametrize("name, content, message", [
    ("empty.jpg", b"", "empty file"),
    ("notes.jpg", b"this is a text file, not a photo\n" * 10, "not an image"),
    ("garbage.png", b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20, "x"),
])
def test_bad_files_are_named(tmp_path, name, content, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImageReadError) as err:
        load_image(path)
    assert str(path) in str(err.value)


def test_truncated_jpeg_is_reported(tmp_path, photo) -> None:
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with pytest.raises(ImageReadError, match="cut.jpg.*(truncated|corrupt)"):
        load_image(path)


def test_directory_named_like_an_image(tmp_path) -> None:
    (tmp_path / "x.png").mkdir()
    with pytest.raises(ImageReadError, match="x.png: is a folder"):
        load_image(tmp_path / "x.png")


def test_header_declaring_30000_squared_pixels_is_refused_before_decoding(tmp_path) -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    path = tmp_path / "bomb.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))
    with pytest.raises(ImageReadError, match=r"bomb.png: 30000x30000 pixels \(900 MP\)"):
        load_image(path)


def test_writes_are_atomic_and_never_touch_inputs(tmp_path, photo) -> None:
    src = tmp_path / "in.png"
    Image.fromarray(photo).save(src)
    before = digest(src)
    with pytest.raises(ImageWriteError, match="in.png: refusing to write over an input"):
        save_image(src, photo, protected=[src], on_exists="overwrite")
    assert digest(src) == before
    out = save_image(tmp_path / "out.png", photo)
    assert save_image(tmp_path / "out.png", photo, on_exists="skip") is None
    numbered = save_image(tmp_path / "out.png", photo, on_exists="number")
    assert numbered.name == "out-1.png"
    assert not list(tmp_path.glob(".*part"))  # no temporary files left behind
    assert np.array_equal(load_image(out).rgb, photo)


def test_unwritable_output_folder_is_named(tmp_path, photo) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(ImageWriteError, match="file"):
        save_image(blocker / "sub" / "out.png", photo)


def test_jpeg_refuses_transparency(tmp_path, photo) -> None:
    rgba = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    with pytest.raises(ImageWriteError, match="JPEG holds only flattened"):
        save_image(tmp_path / "x.jpg", rgba)


def test_alpha_8_and_16_bit(tmp_path) -> None:
    alpha = np.linspace(0, 1, 50, dtype=np.float32).reshape(5, 10)
    a8 = load_image(save_alpha(tmp_path / "a8.png", alpha)).rgb[..., 0]
    a16 = load_image(save_alpha(tmp_path / "a16.png", alpha, bit_depth=16)).rgb[..., 0]
    assert a8.dtype == np.uint8 and np.abs(a8 / 255 - alpha).max() <= 0.5 / 255 + 1e-6
    assert a16.dtype == np.uint16 and np.abs(a16 / 65535 - alpha).max() <= 0.5 / 65535 + 1e-6
