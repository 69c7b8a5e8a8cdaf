"""Folder export, shared by the command line and the app.

Public API:
  ``BatchOptions``: outputs (cutout, alpha, composite), format (png, tiff, webp; a composite
      may also be jpg), recursion, clash rule, background for composites, premultiplied,
      refine_edges (closed-form on the network's soft edge, ``matting.refine.refine_auto``), edge
      (``matting.edge_controls.EdgeSettings``, applied at full resolution), crop (a
      ``matting.crop.Padding``: crop to the subject), input_alpha (a file's own transparency,
      ``matting.input_alpha``), bit_depth (None: the photo's; 8 or 16 for PNG and TIFF), quality
      (JPEG). A ``layered`` output is always a TIFF (``_layered.tif``).
  ``plan_batch(indir, outdir, options) -> list[BatchItem]``: every image below ``indir`` (its
      subfolders mirrored in ``outdir`` when recursive, symlinked folders followed; ``outdir``
      itself is never read, and files MSIA Matte wrote are never inputs: they are listed as
      skipped, so running a batch into its own input folder does not snowball).
  ``run_batch(engine, items, options, progress=None, cancel=None) -> BatchReport``: loading the
      next image and saving the previous results run in threads while the network works. A bad
      file is reported and skipped; outputs are written atomically, so an output that exists is
      complete and a rerun with ``on_exists="skip"`` resumes where the last one stopped; output
      names are claimed race-free, so concurrent runs into one folder lose nothing. Every item
      gets a result; a cancel, or a full / read-only output disk, leaves the rest ``not processed``.
  ``model_metadata(engine) -> dict``: what every output records about the model.
  ``BatchReport``: per-file results (input, outputs, status ok / skipped / failed /
      not processed, error, seconds, warning; absolute paths), ``summary()``, ``write(path)`` as JSON or CSV.
"""
from __future__ import annotations

import csv
import io
import errno
import json
import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from .colour import network_rgb
from .compose import Background, estimate_foreground
from .crop import Padding
from .edge_controls import EdgeSettings, apply_edge_settings
from .errors import Cancelled, ImageWriteError, MattingError
from .files import IMAGE_SUFFIXES, atomic_write, output_names
from .imageio import SOFTWARE, LoadedImage, is_own_output, load_image
from .input_alpha import honour_input_alpha
from .output import OUTPUT_KINDS, OutputSpec, crop_metadata, render_output, write_output
from .progress import CancelFn, check
from .refine import refine_auto

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
    refine_edges: bool = False  # matting.refine.refine_auto on the network's soft edge
    edge: EdgeSettings = field(default_factory=EdgeSettings)
    crop: Padding | None = None
    input_alpha: str = "limit"  # matting.input_alpha.INPUT_ALPHA_MODES
    bit_depth: int | None = None  # None: the photo's (PNG, TIFF); 8 or 16
    quality: int = 95  # JPEG quality

    def __post_init__(self) -> None:
        self.outputs = tuple(self.outputs)
        bad = set(self.outputs) - set(OUTPUT_KINDS)
        if bad or not self.outputs:
            raise ValueError(f"outputs must be among {OUTPUT_KINDS}, got {self.outputs}")
        if self.format not in FORMATS + ("jpg",):
            raise ValueError(f"format must be one of {FORMATS} (jpg for composites only)")
        if self.format == "jpg" and set(self.outputs) != {"composite"}:
            raise ValueError("jpg holds no transparency: use it only with --outputs composite")
        for kind in self.outputs:
            self.spec(kind)  # raises ValueError for what the format cannot hold

    def spec(self, kind: str) -> OutputSpec:
        """How ``matting.output`` renders and writes an output of ``kind``."""
        fmt = "tiff" if kind == "layered" else self.format
        return OutputSpec(kind, fmt, self.bit_depth, self.premultiplied and kind == "cutout", self.background,
                          self.edge.decontaminate, self.crop, self.quality)

    def settings(self, kind: str) -> dict[str, str]:
        """What an output of ``kind`` records about how it was made (with the model's info)."""
        out = {"output": kind, "refine_edges": str(self.refine_edges).lower(), "input_alpha": self.input_alpha,
               **self.edge.metadata()}
        if kind == "cutout":
            out["premultiplied"] = str(self.premultiplied).lower()
        if self.bit_depth:
            out["bit_depth"] = str(self.bit_depth)
        if self.format == "jpg":
            out["quality"] = str(self.quality)
        if kind == "composite":
            b = self.background
            out["background"] = {"color": "#%02x%02x%02x" % b.color, "image": str(b.image)}.get(b.kind, b.kind)
        return out

    def suffix(self, kind: str) -> str:
        ext = "tif" if self.format == "tiff" or kind == "layered" else self.format
        return f"_{kind}.{ext}"


@dataclass
class BatchItem:
    input: Path
    outputs: dict[str, Path]
    skip_reason: str = ""  # set by plan_batch: never processed (e.g. our own earlier output)


@dataclass
class FileResult:
    input: str
    outputs: list[str]
    status: str  # ok | skipped | failed | not processed (interrupted, or stopped by a full disk)
    error: str = ""
    seconds: float = 0.0
    warning: str = ""  # e.g. an animated file of which only the first frame was used


@dataclass
class BatchReport:
    results: list[FileResult] = field(default_factory=list)
    cancelled: bool = False

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def ok(self) -> bool:
        return not self.cancelled and self.count("failed") == 0 and self.count("not processed") == 0

    def summary(self) -> str:
        s = f"{self.count('ok')} done, {self.count('skipped')} skipped, {self.count('failed')} failed"
        if self.count("not processed"):
            s += f", {self.count('not processed')} not processed"
        return s + (" (cancelled)" if self.cancelled else "")

    def write(self, path: str | Path) -> Path:
        """JSON (``.json``) or CSV (anything else; outputs joined by ``;``), atomically."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ImageWriteError(f"{path.parent}: cannot create the report's folder ({exc.strerror or exc})") from None
        if path.suffix.lower() == ".json":
            text = json.dumps({"summary": self.summary(), "cancelled": self.cancelled,
                               "files": [asdict(r) for r in self.results]}, indent=1)
        else:
            buf = io.StringIO(newline="")
            writer = csv.writer(buf)
            writer.writerow(["input", "outputs", "status", "error", "seconds", "warning"])
            for r in self.results:
                writer.writerow([r.input, ";".join(r.outputs), r.status, r.error, f"{r.seconds:.3f}", r.warning])
            text = buf.getvalue()
        return atomic_write(path, text.encode("utf-8"))


def model_metadata(engine: Predictor) -> dict[str, str]:
    """The engine's model info (name, version, backbone, variant, settings) as output metadata,
    without the local file path."""
    return {k: str(v) for k, v in engine.model_info.items() if k != "path"} | {"software": SOFTWARE}


def list_images(indir: Path, recursive: bool, exclude: Path | None = None) -> list[Path]:
    """Images in ``indir`` (and, when recursive, below it, following symlinked folders, each real
    folder once), without hidden files and without ``exclude`` and what is below it; sorted."""
    found: list[Path] = []
    seen: set[str] = set()
    excluded = os.path.realpath(exclude) if exclude is not None else None
    for folder, dirs, files in os.walk(indir, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen or (excluded is not None and (real + os.sep).startswith(excluded + os.sep)):
            dirs[:] = []  # a link loop, or the output folder
            continue
        seen.add(real)
        for name in files + dirs:  # folders named like images are kept: they fail with a clear message
            if Path(name).suffix.lower() in IMAGE_SUFFIXES and not name.startswith("."):
                found.append(Path(folder) / name)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
    return sorted(found)


def plan_batch(indir: str | Path, outdir: str | Path, options: BatchOptions) -> list[BatchItem]:
    """One item per image, with its output paths (all paths absolute). Two inputs of one folder
    with the same stem (``a.jpg``, ``a.png``) get the extension in their output names
    (``a_jpg_cutout.png``) so neither overwrites the other. Files MSIA Matte wrote itself (its
    metadata says so: earlier outputs in or below the input folder) are listed with a
    ``skip_reason`` and never processed, and neither are the outputs this plan will write."""
    indir, outdir = Path(indir), Path(outdir)
    if not indir.exists():
        raise MattingError(f"{indir}: input folder not found")
    if not indir.is_dir():
        raise MattingError(f"{indir}: is a file, not a folder (give the folder that holds the photos)")
    root, outdir = indir.resolve(), outdir.resolve()
    paths = list_images(root, options.recursive, outdir if outdir != root else None)
    by_folder: dict[Path, list[Path]] = {}
    for path in paths:
        by_folder.setdefault(path.parent, []).append(path)
    items = []
    for folder, members in by_folder.items():
        target = outdir / folder.relative_to(root)
        for path, name in zip(members, output_names(members)):
            items.append(BatchItem(path, {k: target / f"{name}{options.suffix(k)}" for k in options.outputs}))
    items.sort(key=lambda it: it.input)
    planned = {p for it in items for p in it.outputs.values()}
    for it in items:
        if it.input in planned or (it.input.is_file() and is_own_output(it.input)):
            it.skip_reason = "an output of MSIA Matte (not processed again)"
    return items


def _render(image: LoadedImage, alpha: np.ndarray, options: BatchOptions) -> dict[str, np.ndarray]:
    """The arrays to write, per output kind."""
    fg = estimate_foreground(image.rgb, alpha) if {"cutout", "composite"} & set(options.outputs) else None
    return {kind: render_output(image.rgb, alpha, options.spec(kind), fg, image.icc_profile) for kind in options.outputs}


FATAL_WRITE_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}  # no later file could be written either


def run_batch(engine: Predictor, items: list[BatchItem], options: BatchOptions,
              progress: Callable[[int, int, FileResult], None] | None = None, cancel: CancelFn = None) -> BatchReport:
    """Run ``items``; ``progress(done, total, result)`` after each file. Every item gets a result:
    when the run is cancelled, or stops because the output disk is full or read-only, the items
    not processed are listed as ``not processed`` with the reason."""
    report = BatchReport()
    protected = {it.input for it in items if not it.skip_reason}  # our own outputs may be replaced
    metadata = model_metadata(engine)
    total = len(items)

    def emit(result: FileResult) -> None:
        report.results.append(result)
        if progress:
            progress(len(report.results), total, result)

    def load(item: BatchItem) -> LoadedImage:
        return load_image(item.input)

    def save(item: BatchItem, image: LoadedImage, arrays: dict[str, np.ndarray],
             crops: dict[str, dict[str, str]]) -> list[str]:
        written = []
        for kind, arr in arrays.items():
            path = write_output(item.outputs[kind], image, arr, options.spec(kind),
                                {**metadata, **options.settings(kind), **crops.get(kind, {})}, options.on_exists,
                                protected)
            if path is not None:
                written.append(str(path))
        return written

    def pending(item: BatchItem) -> bool:
        return options.on_exists != "skip" or not all(p.exists() for p in item.outputs.values())

    todo = []
    for it in items:
        if it.skip_reason:
            emit(FileResult(str(it.input), [], "skipped", it.skip_reason))
        elif not pending(it):
            emit(FileResult(str(it.input), [str(p) for p in it.outputs.values()], "skipped", "outputs exist"))
        else:
            todo.append(it)
    stopped = ""

    def finish(saving: tuple[BatchItem, LoadedImage, float, Future]) -> None:
        nonlocal stopped
        result, code = _finish(*saving)
        emit(result)
        if code in FATAL_WRITE_ERRORS:
            stopped = f"not processed: the batch stopped ({result.error})"

    with ThreadPoolExecutor(1, thread_name_prefix="load") as loader, ThreadPoolExecutor(1, thread_name_prefix="save") as saver:
        next_load: Future | None = loader.submit(load, todo[0]) if todo else None
        saving: tuple[BatchItem, LoadedImage, float, Future] | None = None
        for i, item in enumerate(todo):
            start = time.perf_counter()
            current, next_load = next_load, (loader.submit(load, todo[i + 1]) if i + 1 < len(todo) else None)
            try:
                check(cancel)
                image = current.result()
                alpha = engine.predict(network_rgb(image.rgb, image.icc_profile), cancel=cancel)
                alpha = honour_input_alpha(alpha, image, options.input_alpha)
                if options.refine_edges:
                    alpha = refine_auto(image.rgb, alpha, cancel=cancel)
                alpha = apply_edge_settings(image.rgb, alpha, options.edge, cancel=cancel)
                arrays = _render(image, alpha, options)
                crops = {kind: crop_metadata(alpha, options.spec(kind)) for kind in options.outputs}
                check(cancel)
                if saving is not None:
                    finish(saving)
                    saving = None
                    if stopped:
                        break
                saving = (item, image, start, saver.submit(save, item, image, arrays, crops))
            except Cancelled:
                report.cancelled = True
                break
            except MattingError as exc:
                emit(FileResult(str(item.input), [], "failed", str(exc), time.perf_counter() - start))
            except Exception as exc:  # an unexpected failure of one file never stops the batch
                emit(FileResult(str(item.input), [], "failed", f"{item.input}: {type(exc).__name__}: {exc}",
                                time.perf_counter() - start))
        if next_load is not None:
            next_load.cancel()
        if saving is not None:  # a file whose results are computed is always written completely
            finish(saving)
    reason = stopped or ("not processed: the batch was interrupted" if report.cancelled else "")
    finished = {r.input for r in report.results}
    for it in todo:
        if str(it.input) not in finished:
            emit(FileResult(str(it.input), [], "not processed", reason or "not processed"))
    return report


def _finish(item: BatchItem, image: LoadedImage, start: float, future: Future) -> tuple[FileResult, int | None]:
    """The file's result once its outputs are written, and the errno of a failed write."""
    try:
        written = future.result()
    except MattingError as exc:
        return FileResult(str(item.input), [], "failed", str(exc), time.perf_counter() - start), getattr(exc, "errno", None)
    except Exception as exc:  # an unexpected failure of one file never stops the batch
        return FileResult(str(item.input), [], "failed", f"{item.input}: {type(exc).__name__}: {exc}",
                          time.perf_counter() - start), None
    status = "ok" if written else "skipped"
    return FileResult(str(item.input), written, status, "" if written else "outputs exist", time.perf_counter() - start,
                      image.warning), None
