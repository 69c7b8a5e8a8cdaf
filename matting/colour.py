"""Colour management: which RGB a pixel means, and moving colours between ICC profiles.

A photo's pixels stay in its own profile from reading to writing (a cutout's subject keeps the
photo's values and its profile is written with it). Three things are not in that space and are
converted here:

* the network's input: it was trained on sRGB photos, so a photo in Adobe RGB, Display P3 or
  ProPhoto is shown to it (and to the refiner, whose guide is the same image) converted to sRGB
  (``network_rgb``); the alpha does not depend on the profile the outputs carry;
* colours a user asks for (``#0057B8``, the edge-check colour) are sRGB, as on the web and in
  every colour picker: ``colour_in_profile`` gives their values in the photo's profile, so the
  composite written with that profile shows the blue asked for;
* a background photo has its own profile: ``convert`` brings it into the photo's.

Untagged pixels are sRGB. ``None`` as a profile means sRGB everywhere here.

Profiles are read as matrix/TRC RGB profiles (colorants and tone curves: sRGB, Adobe RGB, Display
P3, ProPhoto and nearly every camera and editing profile), and the conversion is computed in
float32 with numpy, so 16-bit pixels keep 16-bit precision (Pillow's littleCMS bindings transform
8-bit RGB only). Other profiles (LUT-based) go through littleCMS (Pillow's ``ImageCms``) at 8 bits,
perceptual intent. Gamut: colours outside the target's gamut are clipped (relative colorimetric,
as without black-point compensation); both profiles' colorants are D50-adapted (ICC), so no
white-point adaptation is needed beyond what the profiles hold.

Public API:
  ``is_srgb(icc) -> bool``; ``parse(icc) -> MatrixShaper | None``;
  ``convert(rgb, src_icc, dst_icc, dtype=float32)`` (any dtype in; float32 in [0, 1] or integers out);
  ``network_rgb(rgb, icc) -> rgb`` (same dtype; the array itself when already sRGB);
  ``colour_in_profile(rgb255, icc) -> float32[3] in [0, 1]``; ``SRGB_PROFILE`` (bytes).
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .pixels import to_dtype, unit

SAME_TOLERANCE = 2e-3  # colorants and curves closer than this to sRGB's: the pixels are sRGB
_CURVE_PROBE = np.linspace(0.0, 1.0, 33, dtype=np.float64)


@dataclass(frozen=True)
class Curve:
    """An ICC tone curve (``curv`` or ``para``): encoded value -> linear light, and back.

    Parametric curves are held as ICC's most general form, function type 4:
    Y = (a X + b)^g + e for X >= d, else c X + f (types 0-3 are special cases).
    A sampled ``curv`` table is interpolated (and inverted by interpolation)."""

    params: tuple[float, ...] = (1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0)  # g, a, b, c, d, e, f
    table: tuple[float, ...] | None = None

    def to_linear(self, x: np.ndarray) -> np.ndarray:
        if self.table is not None:
            t = np.asarray(self.table, np.float32)
            return np.interp(x, np.linspace(0, 1, len(t), dtype=np.float32), t).astype(np.float32)
        g, a, b, c, d, e, f = self.params
        x = np.asarray(x, np.float32)
        power = np.power(np.maximum(a * x + b, 0), g) + e
        return np.where(x >= d, power, c * x + f).astype(np.float32)

    def to_encoded(self, y: np.ndarray) -> np.ndarray:
        if self.table is not None:
            t = np.maximum.accumulate(np.asarray(self.table, np.float32))
            return np.interp(y, t, np.linspace(0, 1, len(t), dtype=np.float32)).astype(np.float32)
        g, a, b, c, d, e, f = self.params
        y = np.asarray(y, np.float32)
        knee = (max(a * d + b, 0.0)) ** g + e
        power = (np.power(np.maximum(y - e, 0), 1.0 / g) - b) / a
        linear = (y - f) / c if c else np.zeros_like(y)
        return np.where(y >= knee, power, linear).astype(np.float32)


@dataclass(frozen=True)
class MatrixShaper:
    """A matrix/TRC RGB profile: per-channel tone curves to linear light, then ``matrix`` (3x3,
    linear RGB -> XYZ D50, the colorants as columns)."""

    matrix: np.ndarray
    curves: tuple[Curve, Curve, Curve]

    def to_xyz(self, rgb: np.ndarray) -> np.ndarray:
        linear = np.stack([c.to_linear(rgb[..., i]) for i, c in enumerate(self.curves)], axis=-1)
        return linear @ self.matrix.T.astype(np.float32)

    def from_xyz(self, xyz: np.ndarray) -> np.ndarray:
        linear = np.clip(xyz @ np.linalg.inv(self.matrix).T.astype(np.float32), 0.0, 1.0)
        return np.stack([c.to_encoded(linear[..., i]) for i, c in enumerate(self.curves)], axis=-1)

    def same_as(self, other: "MatrixShaper") -> bool:
        if not np.allclose(self.matrix, other.matrix, atol=SAME_TOLERANCE):
            return False
        return all(np.allclose(a.to_linear(_CURVE_PROBE), b.to_linear(_CURVE_PROBE), atol=SAME_TOLERANCE)
                   for a, b in zip(self.curves, other.curves))


def _s15(data: bytes) -> float:
    return struct.unpack(">i", data)[0] / 65536.0


def _tags(icc: bytes) -> dict[bytes, bytes]:
    (count,) = struct.unpack(">I", icc[128:132])
    tags = {}
    for i in range(count):
        sig, offset, size = struct.unpack(">4sII", icc[132 + 12 * i : 144 + 12 * i])
        tags[sig] = icc[offset : offset + size]
    return tags


_PARA_FIELDS = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}


def _curve(data: bytes) -> Curve:
    kind = data[:4]
    if kind == b"curv":
        (n,) = struct.unpack(">I", data[8:12])
        if n == 0:
            return Curve()
        if n == 1:
            return Curve((struct.unpack(">H", data[12:14])[0] / 256.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0))
        values = struct.unpack(f">{n}H", data[12 : 12 + 2 * n])
        return Curve(table=tuple(v / 65535.0 for v in values))
    if kind == b"para":
        (function,) = struct.unpack(">H", data[8:10])
        p = [_s15(data[12 + 4 * i : 16 + 4 * i]) for i in range(_PARA_FIELDS[function])]
        g = p[0]
        if function == 0:
            return Curve((g, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0))
        a, b = p[1], p[2]
        if function == 1:
            return Curve((g, a, b, 0.0, -b / a, 0.0, 0.0))
        if function == 2:
            return Curve((g, a, b, 0.0, -b / a, p[3], p[3]))
        if function == 3:
            return Curve((g, a, b, p[3], p[4], 0.0, 0.0))
        return Curve((g, a, b, p[3], p[4], p[5], p[6]))
    raise ValueError(f"unknown tone curve type {kind!r}")


@lru_cache(maxsize=16)
def parse(icc: bytes | None) -> MatrixShaper | None:
    """The profile as a matrix/TRC RGB profile; None when it is not one (LUT-based, grey, CMYK)
    or cannot be read. ``None`` (untagged) is sRGB."""
    if icc is None:
        return parse(SRGB_PROFILE)
    try:
        if len(icc) < 132 or icc[16:20] != b"RGB ":
            return None
        tags = _tags(icc)
        columns = [[_s15(tags[t][8 + 4 * k : 12 + 4 * k]) for k in range(3)] for t in (b"rXYZ", b"gXYZ", b"bXYZ")]
        curves = tuple(_curve(tags[t]) for t in (b"rTRC", b"gTRC", b"bTRC"))
    except (KeyError, ValueError, struct.error, IndexError, ZeroDivisionError):
        return None
    return MatrixShaper(np.array(columns, np.float64).T, curves)  # type: ignore[arg-type]


def _srgb_profile() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


SRGB_PROFILE = _srgb_profile()


@lru_cache(maxsize=16)
def is_srgb(icc: bytes | None) -> bool:
    """Pixels in this profile are sRGB (untagged, or a profile with sRGB's colorants and curves)."""
    if icc is None:
        return True
    shaper = parse(icc)
    return shaper is not None and shaper.same_as(parse(None))  # type: ignore[arg-type]


def _is_rgb(icc: bytes | None) -> bool:
    """An RGB profile (or none: sRGB). A grey or CMYK profile cannot describe RGB pixels; such
    pixels are taken as they are (the readers convert CMYK and grey files to RGB already)."""
    return icc is None or icc[16:20] == b"RGB "


BLOCK_PIXELS = 1 << 20  # converted a block of rows at a time: float temporaries stay ~50 MB


def convert(rgb: np.ndarray, src: bytes | None, dst: bytes | None, dtype: np.dtype = np.float32) -> np.ndarray:
    """``rgb`` (uint8, uint16 or float in [0, 1]) from profile ``src`` to ``dst``, as ``dtype``:
    float32 in [0, 1] (default) or uint8 / uint16 (rounded). A profile that is not an RGB one
    (grey, CMYK) leaves the values as they are. Worked in blocks of rows, so a 24 MP
    16-bit photo needs no float copy of itself."""
    out = np.empty(rgb.shape, dtype)
    rows = max(1, BLOCK_PIXELS // max(1, rgb.shape[1]))
    a, b = parse(src), parse(dst)
    same = src == dst or (is_srgb(src) and is_srgb(dst)) or not (_is_rgb(src) and _is_rgb(dst))
    for y in range(0, rgb.shape[0], rows):
        block = unit(rgb[y : y + rows])
        if not same:
            if a is not None and b is not None:
                block = np.clip(b.from_xyz(a.to_xyz(block)), 0.0, 1.0)
            else:
                block = _convert_lcms(block, src, dst)
        out[y : y + rows] = block if np.dtype(dtype) == np.float32 else to_dtype(block, dtype)
    return out


def _convert_lcms(image: np.ndarray, src: bytes | None, dst: bytes | None) -> np.ndarray:
    """The littleCMS path for profiles that are not matrix/TRC: 8-bit, perceptual intent; a
    profile that cannot be read leaves the pixels as they are (a broken tag never stops a matte)."""
    from PIL import Image, ImageCms

    def profile(icc: bytes | None):
        return ImageCms.ImageCmsProfile(io.BytesIO(icc if icc is not None else SRGB_PROFILE))

    pixels = Image.fromarray(np.round(image * 255).astype(np.uint8), "RGB")
    try:
        out = ImageCms.profileToProfile(pixels, profile(src), profile(dst), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a profile littleCMS cannot use either: the pixels are taken as they are
    return np.asarray(out, np.float32) / 255.0


def network_rgb(rgb: np.ndarray, icc: bytes | None) -> np.ndarray:
    """The photo as the network should see it: in sRGB, as its training photos were, in the
    photo's own dtype (16-bit stays 16-bit). The array itself when the photo is sRGB already."""
    if is_srgb(icc):
        return rgb
    return convert(rgb, icc, None, rgb.dtype if rgb.dtype in (np.uint8, np.uint16) else np.uint8)


def colour_in_profile(colour: tuple[float, float, float], icc: bytes | None) -> np.ndarray:
    """An sRGB colour (0-255 per channel, as a colour picker gives it) as float32[3] in [0, 1] in
    the profile ``icc``: what to write into a file tagged with ``icc`` to show that colour."""
    srgb = np.asarray(colour, np.float32).reshape(1, 1, 3) / 255.0
    return convert(srgb, None, icc).reshape(3)
