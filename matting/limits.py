"""How large a photo may be: checked from the file's header, before anything is decoded.

* ``MAX_PIXELS`` (179 MP): Pillow's own decompression-bomb limit (2 x ``Image.MAX_IMAGE_PIXELS``),
  which stays on for the whole process; we check first so the message names the file and size.
* Memory: a cutout needs about ``CUTOUT_BYTES_PER_PIXEL`` bytes per pixel at its peak (photo,
  float copies, alpha, foreground estimate, output). ``bench/memory.py`` measured 0.36 GB at
  2 MP and 0.65 GB at 8 MP above the loaded model (about 48 bytes per added pixel over a fixed
  ~0.26 GB); the 192 MP photo of issue 14 took 10.8 GB (56 bytes per pixel). A photo
  whose cutout would not fit in the memory available (``MemAvailable``, a cgroup's limit, the
  address-space and data limits of the process (``ulimit -v``, ``ulimit -d``) less what it
  already uses, or ``$MSIA_MATTE_MAX_MEMORY`` in bytes, the smallest) is refused with both
  figures, instead of running out of memory half-way.
* Declared size against data: a JPEG or PNG header may declare any size; one whose file is far
  smaller than the least that many pixels can be coded in (``check_data_size``) is truncated or
  crafted, and would decode to a huge grey nothing: it is refused before decoding.
* ``MAX_SIDE_RANGE``: the working resolutions the engine accepts.
"""
from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from .errors import ImageReadError

MAX_PIXELS = 2 * int(Image.MAX_IMAGE_PIXELS or 89_478_485)
CUTOUT_BYTES_PER_PIXEL = 60
MEMORY_ENV = "MSIA_MATTE_MAX_MEMORY"
MAX_SIDE_RANGE = (32, 4096)  # the working resolution (long side the network sees); bench/memory.py


def available_memory() -> int | None:
    """Bytes this process can still use, or None when unknown."""
    limits = []
    env = os.environ.get(MEMORY_ENV, "").strip()
    if env:
        try:
            limits.append(int(float(env)))
        except ValueError:
            pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
    except OSError:
        pass
    limits.extend(_rlimit_room())
    for limit_file, used_file in (("memory.max", "memory.current"),  # cgroup v2, then v1
                                  ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes")):
        try:
            raw = Path("/sys/fs/cgroup", limit_file).read_text().strip()
            used = int(Path("/sys/fs/cgroup", used_file).read_text().strip())
            if raw != "max" and int(raw) < 1 << 60:  # v1 says "no limit" with a huge number
                limits.append(int(raw) - used)
        except (OSError, ValueError):
            pass
    return max(0, min(limits)) if limits else None


def _rlimit_room() -> list[int]:
    """Bytes left under this process's address-space and data limits (``ulimit -v``/``-d``):
    each limit less the address space already mapped (torch alone maps gigabytes)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return []
    room = []
    for name, used in (("RLIMIT_AS", "VmSize"), ("RLIMIT_DATA", "VmData")):
        soft, _hard = resource.getrlimit(getattr(resource, name))
        if soft != resource.RLIM_INFINITY:
            room.append(soft - _mapped_bytes(used))
    return room


def _mapped_bytes(field: str) -> int:
    """The process's ``VmSize`` (all it maps) or ``VmData`` from /proc; 0 when unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


# Fewest pixels per byte a file can declare: a Huffman-coded JPEG spends at least 2 bits on each
# 8x8 block of each component (1 with progressive DC scans): >= 1 byte per 512 pixels; half that
# is refused. PNG's deflate compresses at most 1032:1.
JPEG_MAX_PIXELS_PER_BYTE = 1024
DEFLATE_MAX_RATIO = 1032
DATA_CHECK_MIN_PIXELS = 1_000_000  # below this, nothing worth refusing can hide


def check_data_size(path: Path, fmt: str, width: int, height: int, file_bytes: int, png_bits_per_pixel: int = 0) -> None:
    """Refuse a JPEG or PNG whose header declares far more pixels than its bytes could code:
    truncated or crafted data, which decoders fill with grey (a 632-byte JPEG declaring 178 MP)."""
    pixels = width * height
    if pixels < DATA_CHECK_MIN_PIXELS:
        return
    if fmt in ("JPEG", "MPO"):
        least = pixels / JPEG_MAX_PIXELS_PER_BYTE
    elif fmt == "PNG" and png_bits_per_pixel:
        least = height * (1 + (width * png_bits_per_pixel + 7) // 8) / DEFLATE_MAX_RATIO / 2
    else:
        return
    if file_bytes < least:
        from .files import display

        raise ImageReadError(f"{display(path)}: the header declares {width}x{height} pixels ({pixels / 1e6:.0f} MP) but "
                             f"the file holds only {file_bytes} bytes, too few to code them (at least "
                             f"{least / 1024:.0f} KB): truncated or damaged data, refused")


def bomb_message(path: Path, pillow_message: str) -> str:
    """Our message for Pillow's ``DecompressionBombError`` (which gives only the pixel count)."""
    import re

    found = re.search(r"\((\d+) pixels\)", pillow_message)
    size = f"{int(found.group(1)) / 1e6:.0f} MP" if found else "the image"
    return f"{path}: {size} is larger than the {MAX_PIXELS / 1e6:.0f} MP limit"


def check_size(path: Path, width: int, height: int, check_memory: bool = True) -> None:
    """Refuse a photo over ``MAX_PIXELS``, or (``check_memory``) one whose cutout would not fit."""
    pixels = width * height
    if width < 1 or height < 1:
        raise ImageReadError(f"{path}: the image has no pixels ({width}x{height})")
    if pixels > MAX_PIXELS:
        raise ImageReadError(f"{path}: {width}x{height} pixels ({pixels / 1e6:.0f} MP) is larger than the "
                             f"{MAX_PIXELS / 1e6:.0f} MP limit")
    if check_memory:
        need, free = pixels * CUTOUT_BYTES_PER_PIXEL, available_memory()
        if free is not None and need > free:
            raise ImageReadError(f"{path}: {width}x{height} pixels ({pixels / 1e6:.0f} MP) needs about "
                                 f"{need / 1e9:.1f} GB of memory to cut out, only {free / 1e9:.1f} GB is available")
