"""Reading photos and writing results without losing anything.

Public API:
  ``load_image(path) -> LoadedImage``: JPEG, PNG, TIFF (also float RGB), WebP, BMP, GIF (an
  animated file gives its first frame and says so in ``warning``). EXIF orientation applied;
  8- and 16-bit kept (``rgb`` is uint8 or uint16); grayscale, palette, LA, CMYK (through its ICC
  profile when it has one) and RGBA converted to RGB. An input that already has an alpha channel
  keeps its colour as stored and offers that alpha as ``input_alpha`` (the network always
  computes its own matte). The ICC profile is kept to be carried to the outputs. Sizes over the
  limits of ``matting.limits`` (declared in the header) are refused before decoding.
  Only the decoders of ``READ_FORMATS`` are ever used (``open_image``), whatever the file's
  name; a header declaring far more pixels than the file's bytes could hold is refused
  (``matting.limits.check_data_size``); library warnings go into ``LoadedImage.notes``, naming
  the file (``heard``).
  ``read_gray(path)``, ``read_gray8``, ``read_rgb8``: the same reader for alphas, trimaps and
  8-bit RGB (training, benches, evaluation); ``read_matte``: an alpha channel, or a grey file.
  ``save_image(path, array, ...)``: PNG (8/16-bit, RGB/RGBA), TIFF (8/16-bit, RGB/RGBA), WebP
  (lossless, 8-bit), JPEG (flattened RGB only). Atomic (``matting.files.atomic_write``); never
  writes over an input (``protected``); name clashes follow ``on_exists``: ``skip``,
  ``overwrite`` (outputs only) or ``number`` (``name-1.png``, ...), claimed race-free.
  ``check_output_path``, ``ensure_folder``: the same checks, made before any work.
  ``save_alpha(path, alpha, bit_depth=8|16, ...)``: a single-channel alpha PNG/TIFF.
  ``read_metadata(path) -> dict``: the text metadata ``save_image`` wrote (PNG, TIFF, WebP, JPEG
  comment as JSON); ``fit_exif``: EXIF trimmed to what a JPEG holds;
  ``is_own_output(path)``: written by MSIA Matte (so a batch never takes it as an input).
  ``quantize``.
Every failure raises ImageReadError / ImageWriteError with a message naming the file.
"""
from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import threading
import warnings
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from .errors import ImageReadError, ImageWriteError
from .files import atomic_write, display, write_error
from .limits import bomb_message, check_data_size, check_size
from .pixels import quantize, to_uint8  # noqa: F401  (quantize: re-exported)

WRITE_FORMATS = {".png": "PNG", ".tif": "TIFF", ".tiff": "TIFF", ".webp": "WEBP", ".jpg": "JPEG", ".jpeg": "JPEG"}
# The only decoders a file is ever handed to (``Image.open(formats=...)``): the formats the tool
# lists (``matting.files.IMAGE_SUFFIXES``; JPEG includes camera MPO files). Whatever a file's name
# says, nothing else is interpreted: a ".jpg" holding PostScript never reaches Ghostscript.
READ_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "BMP", "GIF", "AVIF")
JPEG_EXIF_MAX = 65533  # an APP1 segment: 65535 bytes with its 2-byte length (Pillow's MAX_BYTES_IN_MARKER)
EXIF_BIG_VALUE = 1024  # bytes: a tag this large (maker notes, comments, thumbnails) goes first when trimming


def open_image(path: str | Path) -> Image.Image:
    """``Image.open`` limited to ``READ_FORMATS`` (the one way every reader here opens a file)."""
    return Image.open(path, formats=READ_FORMATS)


_heard = threading.local()


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    notes = getattr(_heard, "notes", None)
    if notes is None:
        _ORIGINAL_SHOW(message, category, filename, lineno, file, line)
    elif str(message) not in notes:
        notes.append(str(message))


_ORIGINAL_SHOW = warnings.showwarning


@contextmanager
def heard(path: Path, notes: list[str]) -> Iterator[None]:
    """What the image libraries warn about while this thread reads or writes ``path`` goes into
    ``notes`` as ``"<path>: <warning>"`` (a bare library warning does not say which file)."""
    global _ORIGINAL_SHOW
    if warnings.showwarning is not _show_warning:
        _ORIGINAL_SHOW = warnings.showwarning
        warnings.showwarning = _show_warning
        warnings.filterwarnings("always", module=r"PIL(\.|$)")  # every file's warning, not the first only
    heard_here: list[str] = []
    outer, _heard.notes = getattr(_heard, "notes", None), heard_here
    try:
        yield
    finally:
        _heard.notes = outer
        for message in heard_here:
            note = f"{display(path)}: {message.strip()}"
            if note not in notes:  # the same warning when the photo is read and when its EXIF is copied
                notes.append(note)


@dataclass
class LoadedImage:
    path: Path
    rgb: np.ndarray  # HxWx3 uint8 or uint16
    input_alpha: np.ndarray | None = None  # HxW, same dtype as rgb, when the file has alpha
    icc_profile: bytes | None = None
    mode: str = ""  # the file's own mode (PIL), e.g. "RGB", "CMYK", "P", "I;16"
    format: str = ""
    exif: bytes | None = field(default=None, repr=False)  # as stored (orientation tag not reset)
    dpi: tuple[float, float] | None = None  # the file's resolution, carried to the outputs
    frames: int = 1  # an animated GIF/WebP: only the first frame is read (see ``warning``)
    notes: list[str] = field(default_factory=list, repr=False)  # library warnings, metadata dropped on writing

    @property
    def warning(self) -> str:
        """What the user should know about how the file was read and written ("" when nothing),
        each part naming the file."""
        said = [f"{display(self.path)}: animated ({self.frames} frames); only the first frame is used"] if self.frames > 1 else []
        return "; ".join(said + self.notes)

    @property
    def bit_depth(self) -> int:
        return 16 if self.rgb.dtype == np.uint16 else 8

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.rgb.shape[1], self.rgb.shape[0]


def load_image(path: str | Path, check_memory: bool = True) -> LoadedImage:
    """Read an image file; see the module docstring for what is converted and how. The size in
    the file's header is checked before decoding (``matting.limits``): over the pixel limit, or
    (``check_memory``) more than a cutout of it could get in this machine's memory, is refused."""
    path = Path(path)
    name = display(path)
    try:
        if not path.exists():
            raise ImageReadError(f"{name}: file not found")
        if path.is_dir():
            raise ImageReadError(f"{name}: is a folder, not an image")
        size = path.stat().st_size
    except OSError as exc:  # e.g. a name longer than the file system allows
        raise ImageReadError(f"{name}: cannot read ({exc.strerror or exc})") from None
    if size == 0:
        raise ImageReadError(f"{name}: empty file (0 bytes)")
    if not os.access(path, os.R_OK):
        raise ImageReadError(f"{name}: no permission to read the file")
    notes: list[str] = []
    try:
        with heard(path, notes):
            try:
                im = open_image(path)
            except UnidentifiedImageError:
                if path.suffix.lower() in (".tif", ".tiff") and _is_tiff(path):
                    return _read_tiff(path, check_memory)  # float RGB and other layouts Pillow cannot open
                raise
            with im:
                check_size(path, *im.size, check_memory)
                check_data_size(path, im.format or "", *im.size, size, _png_bits_per_pixel(path) if im.format == "PNG" else 0)
                im.load()
                loaded = _from_pil(path, im)
                loaded.frames = int(getattr(im, "n_frames", 1) or 1)
        loaded.notes = notes
        return loaded
    except ImageReadError:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own limit, met before our check could run
        raise ImageReadError(bomb_message(path, str(exc))) from None
    except UnidentifiedImageError:
        raise ImageReadError(f"{name}: not an image file, or a format that cannot be read "
                             f"(read: {', '.join(READ_FORMATS)})") from None
    except PermissionError:
        raise ImageReadError(f"{name}: no permission to read the file") from None
    except MemoryError:
        raise ImageReadError(f"{name}: not enough memory to decode this image") from None
    except (OSError, SyntaxError, ValueError, struct.error, EOFError, IndexError, KeyError) as exc:
        raise ImageReadError(f"{name}: corrupt or truncated image ({exc})") from None


def _is_tiff(path: Path) -> bool:
    """The file starts as a TIFF does (so only a TIFF reaches tifffile)."""
    with open(path, "rb") as f:
        return f.read(4) in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


def _png_bits_per_pixel(path: Path) -> int:
    """Bits per pixel from a PNG's IHDR (bit depth x channels of its colour type); 0 if unknown."""
    with open(path, "rb") as f:
        head = f.read(26)
    if len(head) < 26 or head[12:16] != b"IHDR":
        return 0
    return head[24] * {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(head[25], 1)


def read_gray(path: str | Path, palette_index: bool = False) -> np.ndarray:
    """A single-channel alpha, trimap or mask as stored (uint8 or uint16; a colour file's first
    channel). ``palette_index``: a palette image gives its index values (trimaps saved as
    palette PNGs label pixels by index)."""
    if palette_index:
        try:
            with open_image(path) as im:
                if im.mode == "P":
                    check_size(Path(path), *im.size, False)
                    return np.asarray(im).copy()
        except (OSError, ValueError, Image.DecompressionBombError):
            pass  # load_image below reports what is wrong, with its one set of messages
    return load_image(path, check_memory=False).rgb[..., 0].copy()


def read_matte(path: str | Path) -> np.ndarray:
    """A matte as another tool may have saved it (uint8 or uint16 HxW): a file with an alpha
    channel (an RGBA cutout) gives that alpha; a grey file its grey. A colour file without alpha
    is refused: which of its channels would be the matte is a guess."""
    image = load_image(path, check_memory=False)
    if image.input_alpha is not None:
        return image.input_alpha
    rgb = image.rgb
    if not (np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 0], rgb[..., 2])):
        raise ImageReadError(f"{display(path)}: a colour image without alpha; a matte is a grey image "
                             "or the alpha channel of a cutout")
    return rgb[..., 0].copy()


def read_gray8(path: str | Path, palette_index: bool = False) -> np.ndarray:
    """``read_gray`` as 8-bit (16-bit files scaled down), e.g. for training labels."""
    a = read_gray(path, palette_index)
    return to_uint8(a)


def read_rgb8(path: str | Path) -> np.ndarray:
    """An 8-bit HxWx3 RGB array (16-bit files scaled down), e.g. for training and benches."""
    rgb = load_image(path, check_memory=False).rgb
    return to_uint8(rgb)


def _read_tiff(path: Path, check_memory: bool) -> LoadedImage:
    """TIFF layouts Pillow does not open (float or 32-bit RGB): first page through tifffile;
    floats in [0, 1] (or 0-65535) and wider integers become 16-bit."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            shape = page.shape
            h, w = (shape[0], shape[1]) if page.planarconfig != 2 or len(shape) < 3 else (shape[1], shape[2])
            check_size(path, w, h, check_memory)
            a = page.asarray()
            icc = page.tags[34675].value if 34675 in page.tags else None
            if a.ndim == 3 and page.planarconfig == 2:
                a = np.moveaxis(a, 0, -1)
    except ImageReadError:
        raise
    except (tifffile.TiffFileError, ValueError, OSError, IndexError, KeyError) as exc:
        raise ImageReadError(f"{path}: not an image file, or a format that cannot be read ({exc})") from None
    if a.ndim == 2:
        a = a[..., None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4):
        raise ImageReadError(f"{path}: unsupported TIFF layout {a.shape}")
    if a.dtype.kind == "f":
        a = np.nan_to_num(a.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0)
        a = np.clip(a, 0, 1) * 65535 if a.max(initial=0) <= 1.0 else a
        a = np.clip(a + 0.5, 0, 65535).astype(np.uint16)
    elif a.dtype != np.uint8 and a.dtype != np.uint16:
        a = np.clip(a, 0, 65535).astype(np.uint16)
    colour = a[..., :3] if a.shape[2] >= 3 else np.repeat(a[..., :1], 3, axis=2)
    alpha = a[..., -1] if a.shape[2] in (2, 4) else None
    return LoadedImage(path, np.ascontiguousarray(colour), None if alpha is None else np.ascontiguousarray(alpha),
                       icc if isinstance(icc, bytes) else None, f"tiff-{a.dtype}", "TIFF")


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(0x0112, 1))
    except Exception:
        return 1


def _apply_orientation(a: np.ndarray, orientation: int) -> np.ndarray:
    """EXIF orientation 1-8 applied to an array (for files decoded outside PIL)."""
    ops = {
        2: lambda x: x[:, ::-1],
        3: lambda x: x[::-1, ::-1],
        4: lambda x: x[::-1],
        5: lambda x: np.swapaxes(x, 0, 1),
        6: lambda x: np.rot90(x, -1),
        7: lambda x: np.swapaxes(x[::-1, ::-1], 0, 1),
        8: lambda x: np.rot90(x, 1),
    }
    return np.ascontiguousarray(ops[orientation](a)) if orientation in ops else a


def _dpi(im: Image.Image) -> tuple[float, float] | None:
    dpi = im.info.get("dpi")
    try:
        return (float(dpi[0]), float(dpi[1])) if dpi and float(dpi[0]) > 0 and float(dpi[1]) > 0 else None
    except (TypeError, ValueError, IndexError):
        return None


def _from_pil(path: Path, im: Image.Image) -> LoadedImage:
    icc = im.info.get("icc_profile")
    mode, fmt = im.mode, im.format or ""
    exif = im.info.get("exif")
    dpi = _dpi(im)
    orient = _orientation(im)
    if mode in ("I;16", "I;16B", "I;16L", "I", "F") or _is_16bit_colour(im):
        arr, alpha = _read_16bit(path, im)
        arr = _apply_orientation(arr, orient)
        alpha = _apply_orientation(alpha, orient) if alpha is not None else None
        return LoadedImage(path, arr, alpha, icc, mode, fmt, exif, _swap_dpi(dpi, orient))
    im = ImageOps.exif_transpose(im)
    if mode == "CMYK":
        im = _cmyk_to_rgb(im, icc)
        icc = None  # now sRGB
    alpha = None
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in im.info) or (mode in ("L", "RGB") and "transparency" in im.info):
        rgba = im.convert("RGBA")
        alpha = np.asarray(rgba)[..., 3].copy()
        im = rgba.convert("RGB")
    elif im.mode != "RGB":
        im = im.convert("RGB")
    return LoadedImage(path, np.asarray(im).copy(), alpha, icc, mode, fmt, exif, _swap_dpi(dpi, orient))


def _swap_dpi(dpi: tuple[float, float] | None, orientation: int) -> tuple[float, float] | None:
    """Orientations 5-8 turn the image by 90 degrees: horizontal and vertical resolution swap."""
    return (dpi[1], dpi[0]) if dpi and orientation in (5, 6, 7, 8) else dpi


def _is_16bit_colour(im: Image.Image) -> bool:
    """Pillow opens 48/64-bit PNG and TIFF as 8-bit RGB(A); detect them from the file header."""
    if im.format == "PNG":
        return im.info.get("bitdepth", 8) == 16 if "bitdepth" in im.info else _png_bit_depth(im) == 16
    if im.format == "TIFF":
        bps = im.tag_v2.get(258) if hasattr(im, "tag_v2") else None
        return bool(bps) and max(bps if isinstance(bps, tuple) else (bps,)) == 16
    return False


def _png_bit_depth(im: Image.Image) -> int:
    fp = getattr(im, "filename", None)
    if not fp:
        return 8
    with open(fp, "rb") as f:
        head = f.read(26)
    return head[24] if len(head) >= 25 and head[12:16] == b"IHDR" else 8


def _read_16bit(path: Path, im: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """16-bit (and 32-bit int/float grayscale) files as uint16 RGB + optional alpha."""
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(im)
        if im.mode == "F":
            a = np.clip(a, 0, 1) * 65535 if a.max() <= 1.0 else np.clip(a, 0, 65535)
        a = np.clip(a, 0, 65535).astype(np.uint16)
        return np.repeat(a[..., None], 3, axis=2), None
    import cv2

    data = cv2.imread(str(path), cv2.IMREAD_UNCHANGED | cv2.IMREAD_IGNORE_ORIENTATION)
    if data is None or data.dtype != np.uint16:
        raise ImageReadError(f"{path}: cannot decode 16-bit image")
    if data.ndim == 2:
        return np.repeat(data[..., None], 3, axis=2), None
    if data.shape[2] == 4:
        return np.ascontiguousarray(data[..., 2::-1]), np.ascontiguousarray(data[..., 3])
    return np.ascontiguousarray(data[..., ::-1]), None


def _cmyk_to_rgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass
    return im.convert("RGB")


# --------------------------------------------------------------------------------------- writing


def save_image(path: str | Path, array: np.ndarray, *, icc_profile: bytes | None = None,
               metadata: dict[str, str] | None = None, on_exists: str = "overwrite",
               protected: Iterable[str | Path] = (), quality: int = 95,
               dpi: tuple[float, float] | None = None, exif: bytes | None = None,
               premultiplied: bool = False, owned: bool = True, notes: list[str] | None = None) -> Path | None:
    """Write an HxW, HxWx3 or HxWx4 uint8/uint16 array atomically; returns the path written,
    or None when ``on_exists="skip"`` found the file already there. ``metadata`` (always with
    ``software``, which marks the file as ours) goes into PNG
    iTXt chunks, the TIFF ImageDescription (JSON), WebP XMP or the JPEG comment; ``dpi`` into
    the file's resolution fields (PNG pHYs, TIFF, JPEG; WebP has none); ``exif`` (as Pillow
    reads it) into PNG eXIf, JPEG and WebP, and its main camera/author fields into TIFF tags.
    An RGB ICC profile is not written into a grey file. ``premultiplied`` RGBA is tagged as
    associated alpha in TIFF; PNG and WebP cannot say so and refuse it. ``on_exists`` ``skip``
    and ``update`` take an existing file as ours only when its metadata says so
    (``is_own_output``; ``owned=False``: never). What had to be left out (EXIF too large for a
    JPEG) is appended to ``notes``, naming the file."""
    path = Path(path)
    fmt = check_output_path(path, protected)
    if array.dtype not in (np.uint8, np.uint16):
        raise ImageWriteError(f"{path}: expected uint8 or uint16 data, got {array.dtype}")
    channels = 1 if array.ndim == 2 else array.shape[2]
    if fmt == "JPEG" and (channels == 4 or array.dtype == np.uint16):
        raise ImageWriteError(f"{path}: JPEG holds only flattened 8-bit composites; use PNG, TIFF or WebP for transparency")
    if premultiplied and fmt != "TIFF":
        raise ImageWriteError(f"{path}: {fmt} stores straight alpha only; write premultiplied colour as TIFF")
    if fmt == "WEBP" and array.dtype == np.uint16:
        array = to_uint8(array)  # WebP is 8-bit only
    if channels < 3 and icc_profile and not _is_grey_profile(icc_profile):
        icc_profile = None  # an RGB profile does not describe a grey file (libpng warns, readers guess)
    if on_exists == "skip" and path.exists() and owned and is_own_output(path):
        return None  # no need to encode (atomic_write decides again, race-free)
    ensure_folder(path.parent)
    if fmt == "JPEG" and exif and len(exif) > JPEG_EXIF_MAX:
        exif, note = fit_exif(exif, JPEG_EXIF_MAX)
        if notes is not None:
            notes.append(f"{display(path)}: {note}")
    text = {display(k): display(v) for k, v in {"software": SOFTWARE, **(metadata or {})}.items()}
    data = _encode(fmt, array, icc_profile, text, quality, dpi, exif, premultiplied)
    return atomic_write(path, data, on_exists=on_exists, protected=protected,
                        owned=is_own_output if owned else (lambda _p: False))


def fit_exif(exif: bytes, limit: int) -> tuple[bytes | None, str]:
    """EXIF trimmed to ``limit`` bytes: first the large values (maker notes, comments, a
    thumbnail; over ``EXIF_BIG_VALUE``), then, if still too large, all of it. Returns the bytes
    (None: dropped) and what was done, in words."""
    try:
        data = Image.Exif()
        data.load(exif)
        dropped = []
        for ifd in (data, data.get_ifd(0x8769), data.get_ifd(0x8825)):
            for tag in list(ifd):
                value = ifd[tag]
                if isinstance(value, (bytes, str, tuple)) and len(value) > EXIF_BIG_VALUE:
                    del ifd[tag]
                    dropped.append(ExifTags.TAGS.get(tag, hex(tag)))
        trimmed = data.tobytes()
        if len(trimmed) <= limit:
            return trimmed, (f"the photo's EXIF ({len(exif) // 1024} KB) is more than JPEG holds ({limit // 1024} KB): "
                             f"left out {', '.join(dropped)}; the other fields are kept")
    except Exception:  # an EXIF block Pillow cannot parse cannot be trimmed either
        pass
    return None, f"the photo's EXIF ({len(exif) // 1024} KB) is more than JPEG holds ({limit // 1024} KB): left out"


def check_output_path(path: Path, protected: Iterable[str | Path] = ()) -> str:
    """The PIL format for ``path``'s suffix; an unsupported suffix or an input's path is an error
    (checked before any work, and again when writing)."""
    fmt = WRITE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ImageWriteError(f"{display(path)}: unsupported output format (use .png, .tif, .webp or .jpg)")
    if path.resolve() in {Path(p).resolve() for p in protected}:
        raise ImageWriteError(f"{display(path)}: refusing to write over an input file")
    if path.is_dir():
        raise ImageWriteError(f"{display(path)}: is a folder; the output must be a file name")
    return fmt


def ensure_folder(folder: Path, probe: bool = False) -> None:
    """Create ``folder`` if needed; an uncreatable or read-only folder is an error naming it.
    ``probe``: also write and remove a small file, which finds a read-only file system or a
    full disk before any work is done."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(folder, exc, "cannot create output folder") from None
    if not os.access(folder, os.W_OK):
        raise ImageWriteError(f"{folder}: output folder is not writable")
    if probe:
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".msia-probe.", suffix=".part") as f:
                f.write(b"\0" * 65536)
                f.flush()
                os.fsync(f.fileno())
        except OSError as exc:
            raise write_error(folder, exc, "cannot write into the output folder") from None


def save_alpha(path: str | Path, alpha: np.ndarray, bit_depth: int = 8, **kwargs) -> Path | None:
    """Write a float alpha in [0, 1] as a single-channel 8- or 16-bit image."""
    return save_image(path, quantize(alpha, bit_depth), **kwargs)




def _is_grey_profile(icc: bytes) -> bool:
    """The ICC header's colour space (bytes 16-19) is ``GRAY``."""
    return len(icc) >= 20 and icc[16:20] == b"GRAY"


def _encode(fmt: str, array: np.ndarray, icc: bytes | None, metadata: dict[str, str], quality: int,
            dpi: tuple[float, float] | None = None, exif: bytes | None = None,
            premultiplied: bool = False) -> bytes:
    if fmt == "TIFF":
        return _encode_tiff(array, icc, metadata, dpi, exif, premultiplied)
    if fmt == "PNG" and array.dtype == np.uint16 and array.ndim == 3:
        return _encode_png16(array, icc, metadata, dpi, exif)
    buf = io.BytesIO()
    im = Image.fromarray(array)  # uint8 L/RGB/RGBA or uint16 grayscale (I;16)
    kwargs: dict = {}
    if icc:
        kwargs["icc_profile"] = icc
    if dpi and fmt != "WEBP":
        kwargs["dpi"] = tuple(float(d) for d in dpi)
    if exif:
        kwargs["exif"] = exif
    if fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        for k, v in metadata.items():
            info.add_itxt(k, str(v))
        kwargs["pnginfo"] = info
    elif fmt == "WEBP":
        kwargs.update(lossless=True, quality=100, method=4)
        if metadata:
            kwargs["xmp"] = _xmp(metadata)
    elif fmt == "JPEG":
        kwargs.update(quality=quality, subsampling=0)
        if metadata:
            kwargs["comment"] = json.dumps(metadata, ensure_ascii=False).encode()
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


TIFF_EXIF_TAGS = (271, 272, 306, 315, 33432)  # Make, Model, DateTime, Artist, Copyright (ASCII, IFD0)


def _tiff_exif_tags(exif: bytes | None) -> list[tuple]:
    """The EXIF fields a TIFF holds in its own first IFD, as tifffile extratags."""
    if not exif:
        return []
    try:
        data = Image.Exif()
        data.load(exif)
    except Exception:
        return []
    tags = []
    for tag in TIFF_EXIF_TAGS:
        value = data.get(tag)
        if isinstance(value, str) and value.strip("\x00 "):
            tags.append((tag, "s", 0, value.strip("\x00"), True))
    return tags


def _encode_tiff(array: np.ndarray, icc: bytes | None, metadata: dict[str, str],
                 dpi: tuple[float, float] | None = None, exif: bytes | None = None,
                 premultiplied: bool = False) -> bytes:
    import tifffile

    buf = io.BytesIO()
    extratags = ([(34675, "B", len(icc), icc, True)] if icc else []) + _tiff_exif_tags(exif)
    channels = 1 if array.ndim == 2 else array.shape[2]
    tifffile.imwrite(
        buf, array, photometric="minisblack" if channels == 1 else "rgb",
        # extra sample 1: associated (premultiplied) alpha; 2: unassociated (straight)
        extrasamples=[1 if premultiplied else 2] if channels == 4 else None,
        compression="zlib", description=json.dumps(metadata) if metadata else None,
        extratags=extratags, metadata=None,
        resolution=(float(dpi[0]), float(dpi[1])) if dpi else None, resolutionunit=2 if dpi else None,
    )
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _encode_png16(array: np.ndarray, icc: bytes | None, metadata: dict[str, str],
                  dpi: tuple[float, float] | None = None, exif: bytes | None = None) -> bytes:
    """16-bit RGB(A) PNG (Pillow cannot write it): OpenCV encodes, we add iCCP and iTXt chunks."""
    import cv2

    bgr = array[..., [2, 1, 0, 3]] if array.shape[2] == 4 else array[..., ::-1]
    ok, enc = cv2.imencode(".png", np.ascontiguousarray(bgr))
    if not ok:
        raise ImageWriteError("cannot encode 16-bit PNG")
    raw = enc.tobytes()
    ihdr_end = 8 + 4 + 4 + 13 + 4
    extra = b""
    if icc:
        extra += _png_chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc))
    if dpi:
        ppm = [round(float(d) / 0.0254) for d in dpi]  # pixels per metre
        extra += _png_chunk(b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1))
    if exif:
        extra += _png_chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif)
    for k, v in metadata.items():
        extra += _png_chunk(b"iTXt", k.encode("latin-1")[:79] + b"\x00\x00\x00\x00\x00" + str(v).encode("utf-8"))
    return raw[:ihdr_end] + extra + raw[ihdr_end:]


def _xmp(metadata: dict[str, str]) -> bytes:
    from xml.sax.saxutils import escape

    fields = "".join(f"<msia:{k}>{escape(str(v))}</msia:{k}>" for k, v in metadata.items() if k.isidentifier())
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:msia="https://msia-matte.invalid/ns/1.0/">{fields}</rdf:Description>'
        "</rdf:RDF></x:xmpmeta>"
    ).encode()


def _read_xmp(xmp: bytes | str | None) -> dict[str, str]:
    """The ``msia:`` fields of an XMP packet written by ``_xmp``."""
    import re
    from xml.sax.saxutils import unescape

    if not xmp:
        return {}
    text = xmp.decode("utf-8", "replace") if isinstance(xmp, bytes) else xmp
    return {k: unescape(v) for k, v in re.findall(r"<msia:(\w+)>(.*?)</msia:\1>", text, re.S)}


def read_metadata(path: str | Path) -> dict[str, str]:
    """The text metadata written by ``save_image`` (PNG iTXt/tEXt, TIFF description, WebP XMP,
    JPEG comment: JSON, or the ``k=v; ...`` of earlier versions)."""
    with open_image(Path(path)) as im:
        return _metadata(im, header_only=False)


def _metadata(im: Image.Image, header_only: bool) -> dict[str, str]:
    """``header_only``: a PNG's text chunks before its image data (where we write ours), so
    nothing is decoded."""
    if im.format == "PNG":
        items = im.info.items() if header_only else im.text.items()
        return {k: str(v) for k, v in items if isinstance(v, str)}
    if im.format == "WEBP":
        return _read_xmp(im.info.get("xmp"))
    if im.format == "JPEG":
        comment = im.info.get("comment", b"")
        text = comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment)
        try:
            meta = json.loads(text)
            if isinstance(meta, dict):
                return {str(k): str(v) for k, v in meta.items()}
        except ValueError:
            pass
        return dict(part.split("=", 1) for part in text.split("; ") if "=" in part)  # before 0.3.4
    if im.format == "TIFF":
        desc = im.tag_v2.get(270)
        try:
            meta = json.loads(desc) if desc else {}
        except json.JSONDecodeError:
            return {"description": desc}
        return meta if isinstance(meta, dict) else {"description": desc}
    return {}


SOFTWARE = "MSIA Matte"  # every output records it (``software``), so it is never taken as an input


def is_own_output(path: str | Path) -> bool:
    """True when ``path`` holds an output MSIA Matte wrote (its ``software`` metadata says so).
    Reads only the header; a file that cannot be read is not ours (the reader reports it)."""
    try:
        with heard(Path(path), []), open_image(Path(path)) as im:  # warnings are said when the photo is read
            return _metadata(im, header_only=True).get("software") == SOFTWARE
    except Exception:  # any unreadable file: not recognisably ours
        return False
