"""Folder export, shared by the command line and the app.

Public API:
  ``BatchOptions``: outputs (cutout, alpha, composite), format (png, tiff, webp; a composite
      may also be jpg), recursion, clash rule, background for composites, premultiplied.
  ``plan_batch(indir, outdir, options) -> list[BatchItem]``: every image below ``indir`` (its
      subfolders mirrored in ``outdir`` when recursive; ``outdir`` itself is never read).
  ``run_batch(engine, items, options, progress=None, cancel=None) -> BatchReport``: loading the
      next image and saving the previous results run in threads while the network works. A bad
      file is reported and skipped; outputs are written atomically, so an output that exists is
      complete and a rerun with ``on_exists="skip"`` resumes where the last one stopped.
  ``BatchReport``: per-file results (input, outputs, status ok / skipped / failed, error,
      seconds), ``summary()``, ``write(path)`` as JSON or CSV.
"""
from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from .compose import Background, composite_on, cutout, estimate_foreground
from .errors import Cancelled, MattingError
from .imageio import READ_SUFFIXES, LoadedImage, load_image, quantize, save_image
from .progress import CancelFn, check

OUTPUT_KINDS = ("cutout", "alpha", "composite")
FORMATS = ("png", "tiff", "webp")


class Predictor(Protocol):
    model_info: dict[str, Any]

    def predict(self, rgb: np.ndarray, progress: Any = None, cancel: CancelFn = None) -> np.ndarray: ...


@dataclass
class BatchOptions:
    outputs: tuple[str, ...] = ("cutout",)
    format: str = "png"
    recursive: bool = False
    on_exists: str = "skip"
    background: Background = field(default_factory=lambda: Background("color", (255, 255, 255)))
    premultiplied: bool = False

    def __post_init__(self) -> None:
        self.outputs = tuple(self.outputs)
        bad = set(self.outputs) - set(OUTPUT_KINDS)
        if bad or not self.outputs:
            raise ValueError(f"outputs must be among {OUTPUT_KINDS}, got {self.outputs}")
        if self.format not in FORMATS + ("jpg",):
            raise ValueError(f"format must be one of {FORMATS} (jpg for composites only)")
        if self.format == "jpg" and set(self.outputs) != {"composite"}:
            raise ValueError("jpg holds no transparency: use it only with --outputs composite")

    def suffix(self, kind: str) -> str:
        ext = "tif" if self.format == "tiff" else self.format
        return f"_{kind}.{ext}"


@dataclass
class BatchItem:
    input: Path
    outputs: dict[str, Path]


@dataclass
class FileResult:
    input: str
    outputs: list[str]
    status: str  # ok | skipped | failed | cancelled
    error: str = ""
    seconds: float = 0.0


@dataclass
class BatchReport:
    results: list[FileResult] = field(default_factory=list)
    cancelled: bool = False

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def ok(self) -> bool:
        return not self.cancelled and self.count("failed") == 0

    def summary(self) -> str:
        s = f"{self.count('ok')} done, {self.count('skipped')} skipped, {self.count('failed')} failed"
        return s + (" (cancelled)" if self.cancelled else "")

    def write(self, path: str | Path) -> Path:
        """JSON (``.json``) or CSV (anything else), atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "w", newline="") as f:
            if path.suffix.lower() == ".json":
                json.dump({"summary": self.summary(), "cancelled": self.cancelled,
                           "files": [asdict(r) for r in self.results]}, f, indent=1)
            else:
                writer = csv.writer(f)
                writer.writerow(["input", "outputs", "status", "error", "seconds"])
                for r in self.results:
                    writer.writerow([r.input, ";".join(r.outputs), r.status, r.error, f"{r.seconds:.3f}"])
        os.replace(tmp, path)
        return path


def list_images(indir: Path, recursive: bool, exclude: Path | None = None) -> list[Path]:
    pattern = "**/*" if recursive else "*"
    found = []
    for p in sorted(indir.glob(pattern)):
        if exclude is not None and exclude in p.parents:
            continue
        if p.suffix.lower() in READ_SUFFIXES and not p.name.startswith("."):
            found.append(p)  # folders named like images are kept: they fail with a clear message
    return found


def plan_batch(indir: str | Path, outdir: str | Path, options: BatchOptions) -> list[BatchItem]:
    indir, outdir = Path(indir), Path(outdir)
    if not indir.is_dir():
        raise MattingError(f"{indir}: input folder not found")
    exclude = outdir.resolve() if outdir.resolve() != indir.resolve() else None
    items = []
    for path in list_images(indir.resolve(), options.recursive, exclude):
        rel = path.relative_to(indir.resolve())
        folder = outdir / rel.parent
        items.append(BatchItem(path, {k: folder / f"{path.stem}{options.suffix(k)}" for k in options.outputs}))
    return items


def _render(image: LoadedImage, alpha: np.ndarray, options: BatchOptions) -> dict[str, np.ndarray]:
    """The arrays to write, per output kind."""
    out: dict[str, np.ndarray] = {}
    fg = estimate_foreground(image.rgb, alpha) if {"cutout", "composite"} & set(options.outputs) else None
    for kind in options.outputs:
        if kind == "alpha":
            out[kind] = quantize(alpha, image.bit_depth)
        elif kind == "cutout":
            out[kind] = cutout(image.rgb, alpha, fg, options.premultiplied)
        else:
            out[kind] = composite_on(image.rgb, alpha, options.background, fg)
            if options.format == "jpg" and out[kind].dtype == np.uint16:
                out[kind] = (out[kind] >> 8).astype(np.uint8)
    return out


def run_batch(engine: Predictor, items: list[BatchItem], options: BatchOptions,
              progress: Callable[[int, int, FileResult], None] | None = None, cancel: CancelFn = None) -> BatchReport:
    """Run ``items``; ``progress(done, total, result)`` after each file."""
    report = BatchReport()
    protected = {it.input for it in items}
    metadata = {k: str(v) for k, v in engine.model_info.items() if k != "path"}
    metadata["software"] = "MSIA Matte"

    def load(item: BatchItem) -> LoadedImage:
        return load_image(item.input)

    def save(item: BatchItem, image: LoadedImage, arrays: dict[str, np.ndarray]) -> list[str]:
        written = []
        for kind, arr in arrays.items():
            path = save_image(item.outputs[kind], arr, icc_profile=image.icc_profile, metadata=metadata,
                              on_exists=options.on_exists, protected=protected)
            if path is not None:
                written.append(str(path))
        return written

    def pending(item: BatchItem) -> bool:
        return options.on_exists != "skip" or not all(p.exists() for p in item.outputs.values())

    todo = [it for it in items if pending(it)]
    for it in items:
        if not pending(it):
            report.results.append(FileResult(str(it.input), [str(p) for p in it.outputs.values()], "skipped",
                                             "outputs exist"))
    total, done = len(items), len(report.results)
    if progress:
        for r in report.results:
            progress(done, total, r)
    with ThreadPoolExecutor(1, thread_name_prefix="load") as loader, ThreadPoolExecutor(1, thread_name_prefix="save") as saver:
        next_load: Future | None = loader.submit(load, todo[0]) if todo else None
        saving: tuple[BatchItem, float, Future] | None = None
        for i, item in enumerate(todo):
            start = time.perf_counter()
            current, next_load = next_load, (loader.submit(load, todo[i + 1]) if i + 1 < len(todo) else None)
            result: FileResult | None = None
            try:
                check(cancel)
                image = current.result()
                alpha = engine.predict(image.rgb, cancel=cancel)
                arrays = _render(image, alpha, options)
                check(cancel)
                if saving is not None:
                    report.results.append(_finish(*saving))
                    done += 1
                    if progress:
                        progress(done, total, report.results[-1])
                saving = (item, start, saver.submit(save, item, image, arrays))
            except Cancelled:
                report.cancelled = True
                break
            except MattingError as exc:
                result = FileResult(str(item.input), [], "failed", str(exc), time.perf_counter() - start)
            except Exception as exc:  # an unexpected failure of one file never stops the batch
                result = FileResult(str(item.input), [], "failed", f"{item.input}: {type(exc).__name__}: {exc}",
                                    time.perf_counter() - start)
            if result is not None:
                report.results.append(result)
                done += 1
                if progress:
                    progress(done, total, result)
        if next_load is not None:
            next_load.cancel()
        if saving is not None:  # a file whose results are computed is always written completely
            report.results.append(_finish(*saving))
            done += 1
            if progress:
                progress(done, total, report.results[-1])
    return report


def _finish(item: BatchItem, start: float, future: Future) -> FileResult:
    try:
        written = future.result()
    except MattingError as exc:
        return FileResult(str(item.input), [], "failed", str(exc), time.perf_counter() - start)
    status = "ok" if written else "skipped"
    return FileResult(str(item.input), written, status, "" if written else "outputs exist", time.perf_counter() - start)
