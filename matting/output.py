"""The one output renderer: what the app's Export, batch export and the CLI write for a photo and
its matte, so that all three quantise, tag and carry metadata the same way.

Public API:
  ``OutputSpec(kind, format, bit_depth=None, premultiplied=False, background=white,
      decontaminate=1.0, crop=None, quality=95)``: what to write; validated on creation (a message
      a user can act on). ``bit_depth=None`` keeps the photo's depth where the format holds it (PNG,
      TIFF) and is 8 elsewhere (WebP, JPEG). ``decontaminate``: how much of the estimated
      foreground colour replaces the photo's at the edge (``matting.edge_controls.decontaminate``);
      ``crop``: a ``matting.crop.Padding`` to crop to the subject with (None: the whole photo);
      ``quality``: JPEG quality.
  ``render_output(rgb, alpha, spec, fg=None, icc_profile=None) -> uint8/uint16 array``: alpha (1 channel), cutout
      (RGBA), composite (RGB; RGBA over a transparent background) or layered: a TIFF (the
      photo's own colours plus the matte as unassociated alpha, ``matting.layered_tiff``) or a
      PSD (the cutout as a layer with the matte as its layer mask over the photo,
      ``matting.layered_psd``; the array is HxWx7: photo RGB, cutout RGB, mask).
      Colours are computed in float and rounded once to the target depth (a 16-bit photo
      written at 8 bits is rounded, not truncated). A composite's background (an sRGB colour, a
      photo in its own profile) is converted into the photo's ``icc_profile`` (``matting.colour``).
  ``save_output(path, image, alpha, spec, fg=None, metadata=None, on_exists, protected)``:
      render and write atomically with the photo's ICC profile (colour outputs only: an RGB
      profile does not describe a grey alpha file), DPI and EXIF (orientation reset to 1, since
      the pixels are already turned upright); a cropped output records its box (``crop``:
      x,y,w,h in the photo) in the metadata.
  ``write_output(path, image, array, spec, ...)``: the writing half, for callers that render in
      one thread and write in another (batch).
  ``FORMATS`` (name -> suffix), ``format_for_suffix(suffix)``, ``SIXTEEN_BIT_FORMATS``,
  ``PREMULTIPLIED_FORMATS``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from .compose import Background, composite_on, cutout, estimate_foreground
from .crop import Padding, subject_box
from .edge_controls import decontaminate
from .files import display
from .imageio import LoadedImage, heard, save_image
from .layered_psd import encode_psd, render_psd_layers
from .pixels import quantize
from .layered_tiff import render_layered
from .progress import CancelFn, check

OUTPUT_KINDS = ("cutout", "alpha", "composite", "layered")
FORMATS = {"png": ".png", "tiff": ".tif", "webp": ".webp", "jpg": ".jpg", "psd": ".psd"}
SUFFIX_FORMATS = {".png": "png", ".tif": "tiff", ".tiff": "tiff", ".webp": "webp", ".jpg": "jpg", ".jpeg": "jpg",
                  ".psd": "psd"}
SIXTEEN_BIT_FORMATS = ("png", "tiff", "psd")
LAYERED_FORMATS = ("tiff", "psd")
PREMULTIPLIED_FORMATS = ("tiff",)  # TIFF tags associated alpha; PNG and WebP define straight alpha only


def format_for_suffix(suffix: str) -> str | None:
    """``.tif`` -> ``tiff``; None for a suffix no output format uses."""
    return SUFFIX_FORMATS.get(suffix.lower())


@dataclass(frozen=True)
class OutputSpec:
    kind: str = "cutout"
    format: str = "png"
    bit_depth: int | None = None
    premultiplied: bool = False
    background: Background = field(default_factory=lambda: Background("color", (255, 255, 255)))
    decontaminate: float = 1.0
    crop: Padding | None = None
    quality: int = 95  # JPEG quality (the other formats are lossless)

    def __post_init__(self) -> None:
        if not 1 <= self.quality <= 100:
            raise ValueError(f"JPEG quality must be between 1 and 100, got {self.quality}")
        if self.kind not in OUTPUT_KINDS:
            raise ValueError(f"output must be one of {', '.join(OUTPUT_KINDS)}, got {self.kind!r}")
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        if self.bit_depth not in (None, 8, 16):
            raise ValueError(f"bit depth must be 8 or 16, got {self.bit_depth}")
        if self.format == "jpg" and (self.kind != "composite" or self.background.kind == "transparent"):
            raise ValueError("JPEG holds no transparency: use it only for a composite on a background")
        if self.kind == "layered" and self.format not in LAYERED_FORMATS:
            raise ValueError("a layered output (photo + matte) is a TIFF or a Photoshop PSD")
        if self.format == "psd" and self.kind != "layered":
            raise ValueError("a PSD holds the layered output (the cutout layer with its mask over the photo)")
        if not 0 <= self.decontaminate <= 1:
            raise ValueError(f"decontaminate must be within 0..1, got {self.decontaminate}")
        if self.premultiplied and self.kind == "cutout" and self.format not in PREMULTIPLIED_FORMATS:
            raise ValueError(f"{self.format.upper()} stores straight alpha only; premultiplied colour needs TIFF")

    def depth_for(self, photo_bit_depth: int) -> int:
        """The bit depth written for a photo of ``photo_bit_depth``."""
        if self.format not in SIXTEEN_BIT_FORMATS:
            return 8
        return self.bit_depth or photo_bit_depth


def render_output(rgb: np.ndarray, alpha: np.ndarray, spec: OutputSpec, fg: np.ndarray | None = None,
                  icc_profile: bytes | None = None) -> np.ndarray:
    """The array to write (see the module docstring); ``fg`` is the estimated foreground colour
    (computed here when None and the output needs it); ``icc_profile``: the photo's, which the
    output carries: a composite's background is converted into it."""
    photo_depth = 16 if rgb.dtype == np.uint16 else 8
    depth = spec.depth_for(photo_depth)
    dtype = np.uint16 if depth == 16 else np.uint8
    if spec.crop is not None:
        x, y, w, h = subject_box(alpha, spec.crop)
        rgb, alpha = rgb[y : y + h, x : x + w], alpha[y : y + h, x : x + w]
        fg = None if fg is None else fg[y : y + h, x : x + w]
    if spec.kind == "alpha":
        return quantize(alpha, depth)
    if spec.kind == "layered" and spec.format == "tiff":
        return render_layered(rgb, alpha, dtype)
    if spec.decontaminate < 1:
        fg = decontaminate(rgb, estimate_foreground(rgb, alpha) if fg is None else fg, spec.decontaminate)
    if spec.kind == "layered":
        return render_psd_layers(rgb, estimate_foreground(rgb, alpha) if fg is None else fg, alpha, dtype)
    if spec.kind == "cutout":
        return cutout(rgb, alpha, fg, spec.premultiplied, dtype=dtype)
    return composite_on(rgb, alpha, spec.background, fg, dtype=dtype, profile=icc_profile)


def output_exif(exif: bytes | None) -> bytes | None:
    """The photo's EXIF with the orientation set to 1 (the pixels are stored upright)."""
    if not exif:
        return None
    from PIL import Image

    try:
        data = Image.Exif()
        data.load(exif)
        data[0x0112] = 1
        return data.tobytes()
    except Exception:  # an unreadable EXIF block is dropped rather than failing the export
        return None


def save_output(path: str | Path, image: LoadedImage, alpha: np.ndarray, spec: OutputSpec, fg: np.ndarray | None = None,
                metadata: dict[str, str] | None = None, on_exists: str = "overwrite",
                protected: Iterable[str | Path] = (), cancel: CancelFn = None) -> Path | None:
    """Render ``spec`` for ``image`` and write it atomically; None when ``on_exists="skip"`` found
    the file already there. The photo itself is always protected. ``cancel`` is asked between
    rendering and writing: a cancelled output writes nothing (raises ``Cancelled``)."""
    array = render_output(image.rgb, alpha, spec, fg, image.icc_profile)
    check(cancel)
    return write_output(path, image, array, spec, {**(metadata or {}), **crop_metadata(alpha, spec)}, on_exists,
                        protected)


def crop_metadata(alpha: np.ndarray, spec: OutputSpec) -> dict[str, str]:
    """``{"crop": "x,y,w,h", "crop_padding": "40px"}`` for a cropped output, else nothing."""
    if spec.crop is None:
        return {}
    return {"crop": ",".join(map(str, subject_box(alpha, spec.crop))), "crop_padding": str(spec.crop)}


def write_output(path: str | Path, image: LoadedImage, array: np.ndarray, spec: OutputSpec,
                 metadata: dict[str, str] | None = None, on_exists: str = "overwrite",
                 protected: Iterable[str | Path] = ()) -> Path | None:
    """Write an array ``render_output`` made, with the photo's ICC profile, DPI and EXIF. What the
    user should know (EXIF left out; a file in the way that is not ours, kept, and the output
    numbered instead) is added to ``image.notes``."""
    colour = array.ndim == 3
    if spec.format == "psd":
        return save_psd(path, image, array, metadata, on_exists, protected)
    with heard(image.path, image.notes):  # e.g. Pillow on a damaged EXIF block: said with the photo's name
        written = save_image(path, array, icc_profile=image.icc_profile if colour else None, dpi=image.dpi,
                             quality=spec.quality, exif=output_exif(image.exif), metadata=metadata,
                             on_exists=on_exists, protected={image.path, *protected},
                             premultiplied=spec.premultiplied and spec.kind == "cutout", notes=image.notes)
    if written is not None and Path(written) != Path(path) and on_exists != "number":
        image.notes.append(f"{display(path)} exists and is not an output of MSIA Matte: kept it, wrote {display(written)}")
    return written


def save_psd(path: str | Path, image: LoadedImage, layers: np.ndarray, metadata: dict[str, str] | None = None,
             on_exists: str = "overwrite", protected: Iterable[str | Path] = ()) -> Path | None:
    """Write ``render_psd_layers``'s array as a PSD, atomically, with the photo's ICC profile and
    DPI and the metadata as XMP; never over the photo. An existing PSD is never taken for ours
    (PSD is not among the formats read): ``skip`` and ``update`` number the new one."""
    from .files import atomic_write
    from .imageio import SOFTWARE, _xmp, ensure_folder

    path = Path(path)
    ensure_folder(path.parent)
    xmp = _xmp({"software": SOFTWARE, **(metadata or {})})
    return atomic_write(path, encode_psd(layers, image.icc_profile, image.dpi, xmp), on_exists=on_exists,
                        protected={image.path, *protected}, owned=lambda _p: False)
