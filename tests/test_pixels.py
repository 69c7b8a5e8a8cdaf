"""16 -> 8 bit is rounded everywhere (matting.pixels.to_uint8), never truncated by ``>> 8``: every
16-bit value, and real files read as 8-bit and written as WebP."""
from __future__ import annotations

import numpy as np

from matting.imageio import load_image, read_gray8, read_rgb8, save_image
from matting.pixels import quantize, to_uint8, unit


def test_every_16_bit_value_goes_to_the_nearest_8_bit_one() -> None:
    v = np.arange(65536, dtype=np.uint16)
    assert np.array_equal(to_uint8(v), np.round(v / 257.0).astype(np.uint8))
    assert np.abs(unit(to_uint8(v)) - unit(v)).max() <= 0.5 / 255 + 1e-7
    assert np.array_equal(quantize(unit(v), 16), v)


def test_16_bit_files_read_and_written_at_8_bits_are_rounded(tmp_path) -> None:
    rgb16 = np.full((6, 8, 3), 0x12FF, np.uint16)  # >> 8 would give 0x12, rounding gives 0x13
    src = save_image(tmp_path / "deep.png", rgb16)
    assert load_image(src).rgb.dtype == np.uint16
    assert (read_rgb8(src) == 0x13).all()
    assert (read_gray8(save_image(tmp_path / "grey.png", rgb16[..., 0])) == 0x13).all()
    webp = load_image(save_image(tmp_path / "deep.webp", rgb16))  # WebP holds 8 bits
    assert (webp.rgb == 0x13).all()
