"""Real ICC profiles made by code for the colour tests: Adobe RGB (1998), Display P3 and ProPhoto
(ROMM) RGB as matrix/TRC profiles with their published D50-adapted colorants, written byte by byte
(ICC.1 v2 layout) so that littleCMS, Qt and our own reader all read the same file."""
from __future__ import annotations

import struct

D50 = (0.9642, 1.0, 0.8249)
# colorants (X, Y, Z of red, green, blue), D50-adapted, as in the profiles the vendors ship
ADOBE_RGB = ((0.60974, 0.31111, 0.01947), (0.20528, 0.62567, 0.06087), (0.14919, 0.06322, 0.74457))
DISPLAY_P3 = ((0.51512, 0.24120, -0.00105), (0.29198, 0.69225, 0.04189), (0.15710, 0.06657, 0.78407))
PROPHOTO = ((0.79767, 0.28804, 0.0), (0.13519, 0.71188, 0.0), (0.03134, 0.00008, 0.82491))
SRGB_CURVE = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)  # ICC parametric type 3


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz(v) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(c) for c in v)


def _gamma(g: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(g * 256)) + b"\0\0"


def _para3(p) -> bytes:
    return b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(_s15(v) for v in p)


def _desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    return (b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_ + struct.pack(">II", 0, 0)
            + struct.pack(">HB", 0, 0) + b"\0" * 67)


def _text(text: str) -> bytes:
    return b"text\0\0\0\0" + text.encode("ascii") + b"\0"


def matrix_trc_profile(name: str, colorants, gamma: float | None = None, curve=None) -> bytes:
    """An RGB display profile from colorants and one tone curve (a gamma or ICC type-3 params)."""
    trc = _gamma(gamma) if gamma is not None else _para3(curve)
    tags = [(b"desc", _desc(name)), (b"cprt", _text("No copyright, made for tests")), (b"wtpt", _xyz(D50)),
            (b"rXYZ", _xyz(colorants[0])), (b"gXYZ", _xyz(colorants[1])), (b"bXYZ", _xyz(colorants[2])),
            (b"rTRC", trc), (b"gTRC", trc), (b"bTRC", trc)]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += struct.pack(">4sII", sig, offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
              + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
              + b"".join(_s15(c) for c in D50) + b"\0" * 48)
    assert len(header) == 128, len(header)
    return header + struct.pack(">I", len(tags)) + table + data


def adobe_rgb() -> bytes:
    return matrix_trc_profile("Adobe RGB (1998) compatible", ADOBE_RGB, gamma=563 / 256)


def display_p3() -> bytes:
    return matrix_trc_profile("Display P3 compatible", DISPLAY_P3, curve=SRGB_CURVE)


def prophoto() -> bytes:
    return matrix_trc_profile("ProPhoto RGB compatible", PROPHOTO, gamma=1.8)
