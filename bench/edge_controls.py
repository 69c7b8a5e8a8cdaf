"""Do the edge controls answer on the display proxy within 100 ms on a 24 MP photo? Drives the
real window (offscreen) on an upscaled real photo, and prints per control and value:

  * ``proxy``: the engine-side work of one change on the display proxy (the adjusted proxy matte,
    ``matting.edge_controls.apply_edge_settings`` with the settings scaled to the proxy, the band
    solve cached), measured outside the window, median of ``--repeat`` runs;
  * ``draft``: in the window, the slider held down and moved to the value (as a drag does): until
    the pane shows the draft picture (made at ``app.display.DRAFT_SIDE`` without the band solve);
  * ``shown``: then the slider released (the change committed, one undo step): until every
    visible pane shows the full proxy picture (adjusted matte, cutout and its pyramid, in workers);
  * ``block``: the longest time the GUI thread did not answer a 10 ms heartbeat during both.

Then the view opacity (its slider moved in the overlay view) and each view mode switched to (its
pictures dropped from the cache first, the worst case: a view not seen yet): until the pane shows
the first picture of the new state (a draft at ``DRAFT_SIDE``, or the full picture if it comes
first), until it shows the full proxy picture, and the longest GUI block. "Shows" is when the
picture is handed to the pane; Qt paints it in the same event-loop pass, which the heartbeat covers.

    QT_QPA_PLATFORM=offscreen python bench/edge_controls.py [--photo PATH] [--megapixels 24]
        [--repeat 5] [--json OUT]

The edge radius re-solves the band with closed-form matting (``matting.refine``), which takes
seconds on the proxy: its draft solves the band reduced to ``matting.refine.SKETCH_UNKNOWN``
pixels, the full picture waits for the proxy's solve (its ``proxy`` column); the other controls
reuse its cached result. Figures are in docs/benchmarks.md, "Edge controls".
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.app_responsiveness import (Heartbeat, close, open_photo_window,  # noqa: E402
                                     settled, wait_until)  # noqa: E402

# (control, values to step through, in the panel's units: px, or % for contrast / decontaminate)
STEPS = (("feather", (1, 4, 0)), ("smooth", (2, 6, 0)), ("contrast", (30, 80, 0)), ("shift", (-3, 2.5, 0)),
         ("decontaminate", (50, 0, 100)), ("radius", (4, 0)))
PERCENT = ("contrast", "decontaminate")


def proxy_timing(window, name: str, value: float, repeat: int) -> float:
    """Median seconds of the proxy work for ``name = value`` (the band solve cached, as the window does)."""
    from dataclasses import replace

    from matting.edge_controls import apply_edge_settings, resolve_band

    p = window.display.proxy
    edge = replace(window.doc.edge, **{name: value / 100 if name in PERCENT else value}).scaled(p.scale)
    solved = resolve_band(p.rgb, p.alpha, edge.radius) if edge.radius > 0 and name != "radius" else None
    times = []
    for _ in range(1 if name == "radius" else repeat):  # the solve takes seconds: once is enough
        t = time.perf_counter()
        apply_edge_settings(p.rgb, p.alpha, edge, solved=solved)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def drag(app, window, beat, name: str, value: float) -> tuple[float, float, float]:
    """Hold the control's slider down, move it to ``value``, wait for the draft picture; release,
    wait for the full picture. (seconds to the draft, seconds to the full picture, longest block)."""
    panel = window.edge_panel
    slider = panel.sliders[name]
    step = next(c[4] for c in panel_controls() if c[0] == name)
    canvas = window.compare.panes[0].canvas
    beat.reset()
    t = time.perf_counter()
    slider.setSliderDown(True)
    slider.setValue(round(value / step))
    wait_until(app, lambda: (canvas.content_key or ("",))[0] == "draft" and window.display.draft_edge is not None
               and not window.workers.is_running("draft"), 600)
    draft_s = time.perf_counter() - t
    t = time.perf_counter()
    slider.setSliderDown(False)  # emits sliderReleased: the panel commits
    wait_until(app, lambda: settled(window) and (canvas.content_key or ("",))[0] != "draft", 600)
    return draft_s, time.perf_counter() - t, beat.worst()


VIEWS = ("alpha", "overlay", "onion", "band", "color", "black", "checker", "cutout")
OPACITIES = (20, 80, 50)


def view_steps(app, window, beat) -> list[dict]:
    """Opacity moves (overlay view) and view switches: (first picture, full picture, block) each."""
    canvas = window.compare.panes[0].canvas
    display = window.display
    rows = []

    def measure(what: str, value, action) -> None:
        wait_until(app, lambda: settled(window), 600)
        beat.reset()
        t = time.perf_counter()
        action()
        key = display.content_key(window.compare.panes[0].mode)
        wait_until(app, lambda: canvas.content_key in (key, ("draft", key)), 600)
        first = time.perf_counter() - t
        wait_until(app, lambda: settled(window) and canvas.content_key == key, 600)
        row = {"control": what, "value": value, "first_ms": first * 1000, "shown_ms": (time.perf_counter() - t) * 1000,
               "block_ms": beat.worst() * 1000}
        rows.append(row)
        print(f"{what:14s} {value!s:>8s} first picture {row['first_ms']:6.0f} ms, full {row['shown_ms']:6.0f} ms, "
              f"block {row['block_ms']:5.0f} ms", flush=True)

    window.set_view("overlay")
    wait_until(app, lambda: settled(window), 600)
    for value in OPACITIES:
        measure("opacity", f"{value} %", lambda v=value: window.edge_panel.opacity.setValue(v))
    for mode in VIEWS:
        def switch(m=mode):
            display.pictures.clear()  # a view not seen yet
            window.set_view(m)
        measure("view", mode, switch)
    return rows


def panel_controls():
    from app.panels.edge_panel import CONTROLS

    return CONTROLS


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photo", type=Path, help="use this photo as it is (no upscaling)")
    p.add_argument("--megapixels", type=float, default=24.0)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--json", type=Path)
    args = p.parse_args()

    tmp, photo, app, window = open_photo_window(args.photo, args.megapixels, "msia-bench-")
    ready = {"fg": False}
    window.foregroundReady.connect(lambda: ready.__setitem__("fg", True))
    t0 = time.perf_counter()
    window.open_path(photo)
    wait_until(app, lambda: ready["fg"] and settled(window), 1800)
    w, h = window.doc.size
    px, py = window.display.proxy.size
    print(f"photo {photo.name}: {w}x{h} ({w * h / 1e6:.1f} MP), proxy {px}x{py}; matte and colours after "
          f"{time.perf_counter() - t0:.1f} s", flush=True)
    beat = Heartbeat()
    rows = []
    print(f"{'control':14s} {'value':>7s} {'proxy':>9s} {'draft':>9s} {'shown':>9s} {'block':>9s}")
    for name, values in STEPS:
        for value in values:
            proxy_s = proxy_timing(window, name, value, args.repeat)
            draft_s, shown_s, block_s = drag(app, window, beat, name, value)
            rows.append({"control": name, "value": value, "proxy_ms": proxy_s * 1000, "draft_ms": draft_s * 1000,
                         "shown_ms": shown_s * 1000, "block_ms": block_s * 1000})
            print(f"{name:14s} {value:7g} {proxy_s * 1000:7.0f} ms {draft_s * 1000:7.0f} ms {shown_s * 1000:7.0f} ms "
                  f"{block_s * 1000:7.0f} ms", flush=True)
    views = view_steps(app, window, beat)
    fast = [r for r in rows if r["control"] != "radius"]
    print(f"\nwithout the radius: proxy work at most {max(r['proxy_ms'] for r in fast):.0f} ms; every control: "
          f"draft shown within {max(r['draft_ms'] for r in rows):.0f} ms (median "
          f"{statistics.median(r['draft_ms'] for r in rows):.0f} ms), full picture within "
          f"{max(r['shown_ms'] for r in rows):.0f} ms, longest GUI block {max(r['block_ms'] for r in rows):.0f} ms "
          f"(target: 100 ms)")
    print(f"views and opacity: first picture within {max(r['first_ms'] for r in views):.0f} ms, full picture within "
          f"{max(r['shown_ms'] for r in views):.0f} ms, longest GUI block {max(r['block_ms'] for r in views):.0f} ms")
    if args.json:
        args.json.write_text(json.dumps({"photo": str(photo), "size": [w, h], "proxy": [px, py], "rows": rows,
                                         "views": views}, indent=1))
    close(window, tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
