"""Does the window let go of a photo when the next one opens? Opens N photos in turn in the real
window (offscreen), each upscaled to ``--megapixels``, paints and applies one stroke on each (so
that each document has a history), and prints the process's resident memory after each one's
matte is shown. Memory must stay flat: before issue 29 every replaced document (photo, mattes,
undo history) stayed alive until the window closed.

    QT_QPA_PLATFORM=offscreen python bench/open_memory.py [--photos 10] [--megapixels 6]

Measured (2 cores, 10 photos of 6 MP, working side 320): before issue 29, 1,625 MB after photo 3
and 3,155 MB after photo 10 (+1,529 MB); after, 1,252 MB and 1,373 MB (+121 MB, about one
photo's worth of allocator slack).

Photos: ../shared/data/photos/images (else resources/samples), in turn, written to a temporary
folder first. Driven from the event loop (``_event_loop``), never ``processEvents``.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _event_loop import wait_until  # noqa: E402
from app_responsiveness import make_photo, open_window, settled  # noqa: E402

SOURCES = (ROOT.parent / "shared" / "data" / "photos" / "images", ROOT / "resources" / "samples")


def rss_mb() -> float:
    """Resident memory now (not the peak), MB."""
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2 ** 20


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photos", type=int, default=10)
    p.add_argument("--megapixels", type=float, default=6.0)
    p.add_argument("--max-side", type=int, default=320, help="network working side (the bench is about memory)")
    args = p.parse_args()
    folder = next(f for f in SOURCES if f.is_dir() and any(f.glob("*.[jp][pn]g")))
    sources = sorted(f for f in folder.iterdir() if f.suffix.lower() in (".jpg", ".png"))
    tmp = Path(tempfile.mkdtemp(prefix="msia-open-memory-"))
    photos = [make_photo(sources[i % len(sources)], args.megapixels, tmp / str(i)) for i in range(args.photos)]

    app, window = open_window(tmp)
    window.engine = window.engine.with_changes(max_side=args.max_side)
    wait_until(lambda: "loading" not in window.model_label.text(), 300)
    refined = {"n": 0}
    window.refined.connect(lambda: refined.__setitem__("n", refined["n"] + 1))
    from PySide6.QtCore import QPointF

    from app.document import Stroke

    print(f"{len(photos)} photos of {args.megapixels:g} MP from {folder}; memory before the first: {rss_mb():.0f} MB")
    readings = []
    for i, photo in enumerate(photos):
        t0 = time.perf_counter()
        window.open_path(photo)
        wait_until(lambda: window.doc is not None and window.doc.path == photo and window.doc.has_matte
                   and settled(window), 600)
        w, h = window.doc.size
        window.doc.add_stroke(Stroke("background", 20, [QPointF(w * 0.05, h * 0.05), QPointF(w * 0.2, h * 0.05)]))
        n = refined["n"]
        window.apply_refinement()
        wait_until(lambda: refined["n"] > n and settled(window) and not window.workers.running, 600)
        readings.append(rss_mb())
        print(f"photo {i + 1:2d} ({w} x {h}): {readings[-1]:6.0f} MB resident, {time.perf_counter() - t0:.1f} s",
              flush=True)
    growth = readings[-1] - readings[min(2, len(readings) - 1)]
    print(f"growth from photo 3 to photo {len(readings)}: {growth:+.0f} MB "
          f"(one photo's image + mattes: ~{w * h * (3 + 3 * 4) / 2 ** 20:.0f} MB)")
    window.doc.undo_stack.setClean()
    window.workers.shutdown(30000)
    window.close()
    for f in tmp.rglob("*"):
        if f.is_file():
            f.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
