"""The layered Photoshop document (PSD): the cutout as a layer with a real layer mask over the
untouched photo, the file a designer opens in Photoshop to go on working on the mask (the layered
TIFF's matte is read by Photoshop as a saved selection, "Alpha 1", not as a mask).

What is written (Adobe's "Photoshop File Formats Specification", PSD version 1):
  * two layers, bottom to top: "Photo", the photo's own pixels everywhere, hidden (switch it on
    to see, or paint back, the real background); "Cutout", the cutout's colours (the photo's,
    with the estimated foreground colour at the edge as the export's decontamination says) with
    the matte as its user layer mask (channel -2, the whole canvas, default colour 0);
  * the merged image (what viewers and "Maximize compatibility" use): the cutout over
    transparency, with the layer count stored negative so the fourth merged channel is read as
    that transparency, not as an extra alpha channel;
  * 8 or 16 bits per channel (the export's depth); layer channels ZIP-compressed with prediction
    (compression 3, as Photoshop writes 16-bit layers), the merged image raw;
  * the photo's ICC profile (resource 1039), resolution (resource 1005) and the export's
    metadata as XMP (resource 1060, the ``msia:`` fields other outputs carry).

Checked by reading it back with psd-tools (an independent reader, a dev dependency):
tests/test_layered_output.py. Public API: ``render_psd_layers(rgb, cutout_rgb, alpha, dtype) ->
HxWx7`` (photo RGB, cutout RGB, mask: what ``matting.output.render_output`` hands the writer),
``encode_psd(layers, icc_profile=None, dpi=None) -> bytes``."""
from __future__ import annotations

import struct
import zlib

import numpy as np

from .compose import to_dtype, unit

PHOTO_LAYER, CUTOUT_LAYER = "Photo", "Cutout"
HIDDEN = 0x02  # layer record flag bit 1: the layer is not visible


def render_psd_layers(rgb: np.ndarray, cutout_rgb: np.ndarray, alpha: np.ndarray, dtype) -> np.ndarray:
    """HxWx7 of ``dtype``: the photo's RGB, the cutout layer's RGB, the matte (the layer mask)."""
    return np.concatenate([to_dtype(unit(rgb), dtype), to_dtype(cutout_rgb, dtype), to_dtype(alpha[..., None], dtype)],
                          axis=2)


def _pascal(name: str, multiple: int) -> bytes:
    raw = name.encode("latin-1", "replace")[:255]
    data = bytes([len(raw)]) + raw
    return data + b"\0" * (-len(data) % multiple)


def _resource(rid: int, data: bytes) -> bytes:
    return b"8BIM" + struct.pack(">H", rid) + b"\0\0" + struct.pack(">I", len(data)) + data + b"\0" * (len(data) % 2)


def _resolution(dpi: tuple[float, float]) -> bytes:
    """ResolutionInfo: fixed 16.16 pixels per inch, shown in inches."""
    h, v = (round(d * 65536) for d in dpi)
    return struct.pack(">IHHIHH", h, 1, 1, v, 1, 1)


def _big_endian(plane: np.ndarray) -> np.ndarray:
    return plane.astype(plane.dtype.newbyteorder(">"), copy=False)


def _zip_predicted(plane: np.ndarray) -> bytes:
    """Compression 3: each row's values replaced by their differences (modulo the sample size),
    big-endian, then zlib."""
    delta = plane.copy()
    delta[:, 1:] = plane[:, 1:] - plane[:, :-1]  # unsigned: wraps, as the format wants
    return struct.pack(">H", 3) + zlib.compress(_big_endian(delta).tobytes(), 6)


def _layer(name: str, planes: list[tuple[int, np.ndarray]], flags: int, has_mask: bool) -> tuple[bytes, bytes]:
    """(layer record, its channel data) for a layer covering the whole canvas."""
    h, w = planes[0][1].shape
    data = [(cid, _zip_predicted(p)) for cid, p in planes]
    record = struct.pack(">iiiiH", 0, 0, h, w, len(data))
    record += b"".join(struct.pack(">hI", cid, len(d)) for cid, d in data)
    record += b"8BIMnorm" + struct.pack(">BBBB", 255, 0, flags, 0)
    mask = struct.pack(">IiiiiBB2x", 20, 0, 0, h, w, 0, 0) if has_mask else struct.pack(">I", 0)
    extra = mask + struct.pack(">I", 0) + _pascal(name, 4)
    record += struct.pack(">I", len(extra)) + extra
    return record, b"".join(d for _cid, d in data)


def encode_psd(layers: np.ndarray, icc_profile: bytes | None = None, dpi: tuple[float, float] | None = None,
               xmp: bytes | None = None) -> bytes:
    """The PSD file of ``render_psd_layers``'s array (uint8 or uint16); ``xmp``: the export's
    metadata (resource 1060)."""
    if layers.ndim != 3 or layers.shape[2] != 7 or layers.dtype not in (np.uint8, np.uint16):
        raise ValueError("expected an HxWx7 uint8 or uint16 array (photo RGB, cutout RGB, mask)")
    h, w = layers.shape[:2]
    if max(h, w) > 30000:
        raise ValueError(f"a PSD is at most 30,000 px on a side; this photo is {w} x {h}")
    depth = 16 if layers.dtype == np.uint16 else 8
    full = np.full((h, w), np.iinfo(layers.dtype).max, layers.dtype)
    photo, cut, mask = layers[..., 0:3], layers[..., 3:6], layers[..., 6]
    records = [
        _layer(PHOTO_LAYER, [(-1, full), *((c, photo[..., c]) for c in range(3))], HIDDEN, False),
        _layer(CUTOUT_LAYER, [(-1, full), *((c, cut[..., c]) for c in range(3)), (-2, mask)], 0, True),
    ]
    info = struct.pack(">h", -len(records)) + b"".join(r for r, _d in records) + b"".join(d for _r, d in records)
    info += b"\0" * (len(info) % 2)
    layer_section = struct.pack(">I", len(info)) + info + struct.pack(">I", 0)  # no global layer mask
    resources = b""
    if icc_profile:
        resources += _resource(1039, icc_profile)
    if dpi:
        resources += _resource(1005, _resolution(dpi))
    if xmp:
        resources += _resource(1060, xmp)
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 4, h, w, depth, 3)
    merged = [cut[..., c] for c in range(3)] + [mask]
    return b"".join([header, struct.pack(">I", 0), struct.pack(">I", len(resources)), resources,
                     struct.pack(">I", len(layer_section)), layer_section, struct.pack(">H", 0),
                     *(_big_endian(np.ascontiguousarray(p)).tobytes() for p in merged)])
