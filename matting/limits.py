"""How large a photo may be: checked from the file's header, before anything is decoded.

* ``MAX_PIXELS`` (179 MP): Pillow's own decompression-bomb limit (2 x ``Image.MAX_IMAGE_PIXELS``),
  which stays on for the whole process; we check first so the message names the file and size.
* Memory: a cutout needs about ``CUTOUT_BYTES_PER_PIXEL`` bytes per pixel at its peak (photo,
  float copies, alpha, foreground estimate, output). ``bench/memory.py`` measured 0.36 GB at
  2 MP and 0.65 GB at 8 MP above the loaded model (about 48 bytes per added pixel over a fixed
  ~0.26 GB); the 192 MP photo of issue 14 took 10.8 GB (56 bytes per pixel). A photo
  whose cutout would not fit in the memory available (``MemAvailable``, a cgroup's limit, or
  ``$MSIA_MATTE_MAX_MEMORY`` in bytes, the smallest) is refused with both figures, instead of
  running out of memory half-way.
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
    try:
        raw = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if raw != "max":
            limits.append(int(raw) - used)
    except (OSError, ValueError):
        pass
    return max(0, min(limits)) if limits else None


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
