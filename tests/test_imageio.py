"""Image I/O with real files written and read back, and every kind of bad input."""
from __future__ import annotations

import hashlib
import io
import os
import stat
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


# Makers of the issue's awkward inputs, shared with the batch and CLI tests.

def exif_rotated_jpeg(path: Path, photo: np.ndarray) -> Path:
    """A JPEG stored landscape whose EXIF says: rotate 90 degrees clockwise to display."""
    im = Image.fromarray(photo)
    exif = im.getexif()
    exif[0x0112] = 6
    im.save(path, quality=95, exif=exif, dpi=(300, 150))
    return path


def truncated_jpeg(path: Path, photo: np.ndarray) -> Path:
    buf = io.BytesIO()
    Image.fromarray(photo).save(buf, "JPEG")
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    return path


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(path: Path, side: int = 30000) -> Path:
    """A 150-byte PNG whose header declares side x side RGB pixels."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 100))
                     + png_chunk(b"IEND", b""))
    return path


def palette_png(path: Path) -> Path:
    """10x10 palette PNG: left half transparent red, right half opaque blue."""
    im = Image.new("P", (10, 10), 0)
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    im.paste(1, (5, 0, 10, 10))
    im.save(path, transparency=0)
    return path


def cmyk_jpeg(path: Path, size: tuple[int, int] = (16, 8)) -> Path:
    Image.new("CMYK", size, (0, 255, 255, 0)).save(path)  # pure red in CMYK
    return path


def png16(path: Path, shape: tuple[int, int] = (20, 30), seed: int = 0) -> tuple[Path, np.ndarray]:
    """A 48-bit PNG as another program writes it (no MSIA Matte metadata: a batch input)."""
    import cv2

    rgb16 = (np.random.default_rng(seed).random((*shape, 3)) * 65535).astype(np.uint16)
    assert cv2.imwrite(str(path), np.ascontiguousarray(rgb16[..., ::-1]))
    return path, rgb16


def test_jpeg_round_trip_and_exif_rotation(tmp_path, photo) -> None:
    path = exif_rotated_jpeg(tmp_path / "rotated.jpg", photo)
    loaded = load_image(path)
    assert loaded.dpi == (150, 300)  # turned by 90 degrees: the resolutions swap too
    assert loaded.rgb.shape == (photo.shape[1], photo.shape[0], 3)  # portrait after rotation
    assert loaded.bit_depth == 8 and loaded.rgb.dtype == np.uint8
    # the displayed top-left is the stored bottom-left
    assert np.abs(loaded.rgb[0, 0].astype(int) - photo[-1, 0].astype(int)).max() < 40


def test_16bit_png_rgb_is_kept(tmp_path) -> None:
    rgb16 = (np.random.default_rng(0).random((20, 30, 3)) * 65535).astype(np.uint16)
    path = save_image(tmp_path / "deep.png", rgb16, metadata={"model": "x"}, dpi=(300, 300))
    assert load_image(path).dpi == pytest.approx((300, 300), abs=0.01)
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
    loaded = load_image(cmyk_jpeg(tmp_path / "cmyk.jpg"))
    assert loaded.mode == "CMYK" and loaded.rgb.shape == (8, 16, 3)
    r, g, b = loaded.rgb[4, 8].astype(int)
    assert r > 200 and g < 60 and b < 60


def test_palette_png_with_transparency_offers_its_alpha(tmp_path) -> None:
    loaded = load_image(palette_png(tmp_path / "pal.png"))
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
    path = truncated_jpeg(tmp_path / "cut.jpg", photo)
    with pytest.raises(ImageReadError, match="cut.jpg.*(truncated|corrupt)"):
        load_image(path)


def test_directory_named_like_an_image(tmp_path) -> None:
    (tmp_path / "x.png").mkdir()
    with pytest.raises(ImageReadError, match="x.png: is a folder"):
        load_image(tmp_path / "x.png")


def test_header_declaring_30000_squared_pixels_is_refused_before_decoding(tmp_path) -> None:
    path = bomb_png(tmp_path / "bomb.png")
    with pytest.raises(ImageReadError, match=r"bomb.png: 900 MP is larger than the 179 MP limit"):
        load_image(path)
    assert Image.MAX_IMAGE_PIXELS is not None  # Pillow's own limit stays on for the whole process


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
    # Tests run as root, where chmod does not stop writes: a regular file where the folder
    # should be fails for every user.
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(ImageWriteError, match=f"{blocker / 'sub'}: cannot create output folder"):
        save_image(blocker / "sub" / "out.png", photo)
    with pytest.raises(ImageWriteError, match=f"{blocker}: cannot create output folder"):
        save_image(blocker / "out.png", photo)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_is_named(tmp_path, photo) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ImageWriteError, match=f"{folder}: output folder is not writable"):
            save_image(folder / "out.png", photo)
    finally:
        folder.chmod(0o755)


def test_outputs_get_normal_permissions_and_metadata_everywhere(tmp_path, photo) -> None:
    rgba = np.dstack([photo, np.full(photo.shape[:2], 128, np.uint8)])
    umask = os.umask(0o022)
    os.umask(umask)
    for name in ("m.png", "m.tif", "m.webp"):
        path = save_image(tmp_path / name, rgba, metadata={"model": "msia", "version": "1.2"}, dpi=(72, 72))
        assert read_metadata(path) == {"software": "MSIA Matte", "model": "msia", "version": "1.2"}, name
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, name  # not mkstemp's 0600
        if name != "m.webp":  # WebP has no resolution field
            assert load_image(path).dpi == pytest.approx((72, 72), abs=0.01), name
    jpg = save_image(tmp_path / "m.jpg", photo, dpi=(300, 300), metadata={"model": "msia"})
    assert load_image(jpg).dpi == (300, 300)


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
