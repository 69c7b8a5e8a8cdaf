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
  Every photo goes through ``matting.pipeline`` (the chain the CLI and the app use too).
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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .compose import Background
from .crop import Padding
from .edge_controls import EdgeSettings
from .errors import Cancelled, MattingError
from .files import IMAGE_SUFFIXES, display, name_problem, numbered, output_names
from .guidance import Strokes, found_strokes, is_strokes_file, load_strokes
from .imageio import SOFTWARE, LoadedImage, is_own_output, load_image
from .output import OUTPUT_KINDS, OutputSpec
from .pipeline import Predictor, Recipe, make_matte, output_metadata, render_all, write_all
from .progress import CancelFn, check
from .reports import CSV_HEADER, write_report

FORMATS = ("png", "tiff", "webp")


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

    @property
    def recipe(self) -> Recipe:
        """What happens to each photo's matte (``matting.pipeline``)."""
        return Recipe(self.input_alpha, self.refine_edges, self.edge)

    def settings(self, kind: str) -> dict[str, str]:
        """What an output of ``kind`` records about how it was made (with the model's info)."""
        out = {"output": kind, **self.recipe.metadata()}
        if kind == "cutout":
            out["premultiplied"] = str(self.premultiplied).lower()
        if self.bit_depth:
            out["bit_depth"] = str(self.bit_depth)
        if self.format == "jpg":
            out["quality"] = str(self.quality)
        if kind == "composite":
            b = self.background
            out["background"] = {"color": "#%02x%02x%02x" % b.color, "image": display(b.image)}.get(b.kind, b.kind)
        return out

    def suffix(self, kind: str) -> str:
        ext = "tif" if self.format == "tiff" or kind == "layered" else self.format
        return f"_{kind}.{ext}"


@dataclass
class BatchItem:
    input: Path
    outputs: dict[str, Path]
    skip_reason: str = ""  # set by plan_batch: never processed (e.g. our own earlier output)
    fail_reason: str = ""  # set by plan_batch: cannot be processed (an output name too long), said per file
    strokes: Path | None = None  # <photo>.strokes.png beside it (matting.guidance), given to the network


@dataclass
class FileResult:
    input: str
    outputs: list[str]
    status: str  # ok | skipped | failed | not processed (interrupted, or stopped by a full disk)
    error: str = ""
    seconds: float = 0.0
    warning: str = ""  # e.g. an animated file of which only the first frame was used
    strokes: str = ""  # "used": the strokes file beside it guided the network; "ignored": the model takes none


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

    def write(self, path: str | Path, protected: Iterable[str | Path] = ()) -> Path:
        """JSON (``.json``) or CSV (anything else; outputs joined by ``;``), atomically; returns
        the path written (``matting.reports``: a file there that is not an earlier report of ours
        is kept and the report numbered). Names that are not valid UTF-8 are written with
        ``\\xff`` escapes."""
        path = Path(path)
        rows = [{k: display(v) if isinstance(v, str) else v for k, v in asdict(r).items()} | 
                {"outputs": [display(o) for o in r.outputs]} for r in self.results]
        if path.suffix.lower() == ".json":
            text = json.dumps({"software": SOFTWARE, "summary": self.summary(), "cancelled": self.cancelled,
                               "files": rows}, indent=1)
        else:
            buf = io.StringIO(newline="")
            buf.write(CSV_HEADER + "\r\n")
            writer = csv.writer(buf)
            for r in rows:
                writer.writerow([r["input"], ";".join(r["outputs"]), r["status"], r["error"], f"{r['seconds']:.3f}",
                                 r["warning"]])
            text = buf.getvalue()
        return write_report(path, text.encode("utf-8"), protected)


def list_images(indir: Path, recursive: bool, exclude: Path | None = None) -> list[Path]:
    """Images in ``indir`` (and, when recursive, below it, following symlinked folders, each real
    folder once), without hidden files, strokes files (``<photo>.strokes.png``) and ``exclude``
    and what is below it; sorted."""
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
            if Path(name).suffix.lower() in IMAGE_SUFFIXES and not name.startswith(".") and not is_strokes_file(name):
                found.append(Path(folder) / name)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if recursive else []
    return sorted(found)


def plan_batch(indir: str | Path, outdir: str | Path, options: BatchOptions) -> list[BatchItem]:
    """One item per image, with its output paths (all paths absolute). Two inputs of one folder
    with the same stem (``a.jpg``, ``a.png``) get the extension in their output names
    (``a_jpg_cutout.png``) so neither overwrites the other. Files MSIA Matte wrote itself (its
    metadata says so, never the name: earlier outputs in or below the input folder) are listed
    with a ``skip_reason`` and never processed. A planned output whose name is held by another
    input of the run (a user's photo called ``x_cutout.png``) takes the next numbered name
    (``x_cutout-1.png``), every run the same; an output name longer than the file system allows
    gives that photo a ``fail_reason``."""
    indir, outdir = Path(indir), Path(outdir)
    if not indir.exists():
        raise MattingError(f"{display(indir)}: input folder not found")
    if not indir.is_dir():
        raise MattingError(f"{display(indir)}: is a file, not a folder (give the folder that holds the photos)")
    root, outdir = indir.resolve(), outdir.resolve()
    paths = list_images(root, options.recursive, outdir if outdir != root else None)
    own = {p for p in paths if p.is_file() and is_own_output(p)}
    inputs = set(paths) - own
    by_folder: dict[Path, list[Path]] = {}
    for path in paths:
        by_folder.setdefault(path.parent, []).append(path)
    items = []
    for folder, members in by_folder.items():
        target = outdir / folder.relative_to(root)
        for path, name in zip(members, output_names(members)):
            outputs = {k: _clear_of(target / f"{name}{options.suffix(k)}", inputs) for k in options.outputs}
            item = BatchItem(path, outputs, strokes=found_strokes(path))
            if path in own:
                item.skip_reason = "an output of MSIA Matte (not processed again)"
            item.fail_reason = next((name_problem(p) for p in outputs.values() if name_problem(p)), "")
            items.append(item)
    items.sort(key=lambda it: it.input)
    return items


def _clear_of(path: Path, inputs: set[Path]) -> Path:
    """``path``, or the first numbered name that is not one of the run's inputs."""
    n = 0
    while numbered(path, n) in inputs:
        n += 1
    return numbered(path, n)


def existing_own(path: Path) -> Path | None:
    """Our own earlier output at ``path`` or at the numbered name it took because a file that is
    not ours held the name (what ``atomic_write``'s ``skip`` finds); None when there is none."""
    for n in range(1000):
        candidate = numbered(path, n)
        if not candidate.exists():
            return None
        if is_own_output(candidate):
            return candidate
    return None


FATAL_WRITE_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}  # no later file could be written either


def run_batch(engine: Predictor, items: list[BatchItem], options: BatchOptions,
              progress: Callable[[int, int, FileResult], None] | None = None, cancel: CancelFn = None,
              protected: Iterable[str | Path] = ()) -> BatchReport:
    """Run ``items``; ``progress(done, total, result)`` after each file. Every item gets a result:
    when the run is cancelled, or stops because the output disk is full or read-only, the items
    not processed are listed as ``not processed`` with the reason. No output is written over an
    input of the run: the photos, the background image, and ``protected`` (the report, the
    model)."""
    report = BatchReport()
    guarded = {it.input for it in items if not it.skip_reason} | set(map(Path, protected))
    if options.background.kind == "image":
        guarded.add(Path(options.background.image))
    recipe = options.recipe
    metadata = output_metadata(engine.model_info)
    total = len(items)

    def emit(result: FileResult) -> None:
        report.results.append(result)
        if progress:
            progress(len(report.results), total, result)

    def load(item: BatchItem) -> LoadedImage:
        return load_image(item.input)

    def save(item: BatchItem, image: LoadedImage, alpha: np.ndarray, arrays: dict[str, np.ndarray]) -> list[str]:
        written = []
        for kind in arrays:
            targets = {kind: (item.outputs[kind], options.spec(kind))}
            path = write_all(image, alpha, arrays, targets, {**metadata, **options.settings(kind)}, options.on_exists,
                             guarded)[kind]
            if path is not None:
                written.append(str(path))
        return written

    def done(item: BatchItem) -> list[Path] | None:
        """Our earlier outputs of ``item`` when ``skip`` finds all of them, else None."""
        if options.on_exists != "skip":
            return None
        found = [existing_own(p) for p in item.outputs.values()]
        return None if None in found else found  # type: ignore[return-value]

    todo = []
    for it in items:
        if it.skip_reason:
            emit(FileResult(str(it.input), [], "skipped", it.skip_reason))
        elif it.fail_reason:
            emit(FileResult(str(it.input), [], "failed", it.fail_reason))
        elif (found := done(it)) is not None:
            emit(FileResult(str(it.input), [str(p) for p in found], "skipped", "outputs exist"))
        else:
            todo.append(it)
    stopped = ""

    def finish(saving: tuple[BatchItem, LoadedImage, float, Future, str]) -> None:
        nonlocal stopped
        result, code = _finish(*saving)
        emit(result)
        if code in FATAL_WRITE_ERRORS:
            stopped = f"not processed: the batch stopped ({result.error})"

    with ThreadPoolExecutor(1, thread_name_prefix="load") as loader, ThreadPoolExecutor(1, thread_name_prefix="save") as saver:
        next_load: Future | None = loader.submit(load, todo[0]) if todo else None
        saving: tuple[BatchItem, LoadedImage, float, Future, str] | None = None
        for i, item in enumerate(todo):
            start = time.perf_counter()
            current, next_load = next_load, (loader.submit(load, todo[i + 1]) if i + 1 < len(todo) else None)
            try:
                check(cancel)
                image = current.result()
                guidance, note = item_guidance(engine, item, image)
                alpha = make_matte(engine, image, replace(recipe, guidance=guidance), cancel=cancel)
                arrays = render_all(image, alpha, {kind: options.spec(kind) for kind in options.outputs})
                check(cancel)
                if saving is not None:
                    finish(saving)
                    saving = None
                    if stopped:
                        break
                saving = (item, image, start, saver.submit(save, item, image, alpha, arrays), note)
            except Cancelled:
                report.cancelled = True
                break
            except MattingError as exc:
                emit(FileResult(str(item.input), [], "failed", str(exc), time.perf_counter() - start))
            except MemoryError:
                emit(FileResult(str(item.input), [], "failed", f"{display(item.input)}: not enough memory to cut it out",
                                time.perf_counter() - start))
            except Exception as exc:  # an unexpected failure of one file never stops the batch
                emit(FileResult(str(item.input), [], "failed", f"{display(item.input)}: {type(exc).__name__}: {exc}",
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


def item_guidance(engine: Predictor, item: BatchItem, image: LoadedImage) -> tuple[Strokes | None, str]:
    """(the strokes for the network, the report's note) of ``item``: its strokes file read at the
    photo's size (a bad file fails the photo, naming the file), none when it has no strokes file or
    the model takes no strokes (note "ignored")."""
    if item.strokes is None:
        return None, ""
    if not getattr(engine, "takes_strokes", False):
        return None, "ignored"
    return load_strokes(item.strokes, image.rgb.shape[:2]), "used"


def _finish(item: BatchItem, image: LoadedImage, start: float, future: Future,
            strokes: str = "") -> tuple[FileResult, int | None]:
    """The file's result once its outputs are written, and the errno of a failed write."""
    try:
        written = future.result()
    except MattingError as exc:
        return FileResult(str(item.input), [], "failed", str(exc), time.perf_counter() - start), getattr(exc, "errno", None)
    except Exception as exc:  # an unexpected failure of one file never stops the batch
        return FileResult(str(item.input), [], "failed", f"{display(item.input)}: {type(exc).__name__}: {exc}",
                          time.perf_counter() - start), None
    status = "ok" if written else "skipped"
    ignored = f"{display(item.strokes)}: not used, the model does not take strokes" if strokes == "ignored" else ""
    warning = "; ".join(w for w in (image.warning, ignored) if w)
    return FileResult(str(item.input), written, status, "" if written else "outputs exist", time.perf_counter() - start,
                      warning, strokes), None
