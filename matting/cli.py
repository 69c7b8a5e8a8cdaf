"""``msia-matte``: alpha mattes, cutouts, folder export and evaluation from the command line.

Commands: ``matte``, ``cutout``, ``batch``, ``eval`` (see ``EPILOG`` and docs/cli.md). Entry point
``main(argv) -> exit status``: 0 when every file succeeded, 1 when some failed (each named on
stderr, and in the batch report), 2 for usage errors (bad options, missing model), 130 when
interrupted (a batch finishes the file it is writing and still writes its report).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Sequence

from .errors import MattingError, ModelFileError, ModelNotFoundError

EPILOG = """examples:
  msia-matte matte photo.jpg -o mattes/                 alpha PNG per photo
  msia-matte cutout photo.jpg -o photo_cut.png          transparent cutout, clean edges
  msia-matte cutout photo.jpg -o on_white.jpg --background white
  msia-matte cutout photo.jpg -o out.png --background beach.jpg
  msia-matte cutout photo.jpg -o out.png --trimap photo_trimap.png
  msia-matte batch shoot/ exports/ --recursive --outputs cutout,alpha --format tiff --report report.json
  msia-matte eval --images dev/image --alphas dev/alpha --json scores.json
"""


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", type=Path, help="model file (.safetensors); default: the installed model")
    common.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    common.add_argument("--max-side", type=int, help="long side the network sees (default: the model's)")
    common.add_argument("--flip", action=argparse.BooleanOptionalAction, default=None,
                        help="average with the mirrored image (default: the model's setting; ~2x the time)")
    common.add_argument("--refiner", action=argparse.BooleanOptionalAction, default=None,
                        help="full-resolution refinement after the network (default: on when the model has a refiner); "
                             "--no-refiner gives the faster coarse matte")
    common.add_argument("--quiet", action="store_true", help="no progress bar, errors only")

    p = argparse.ArgumentParser(prog="msia-matte", description="Trimap-free image matting (MSIA-matte).",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    m = sub.add_parser("matte", parents=[common], help="write 8-bit alpha PNGs", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    m.add_argument("images", nargs="+", type=Path)
    m.add_argument("-o", "--out", type=Path, required=True, help="output folder: OUT/<stem>.png")

    c = sub.add_parser("cutout", parents=[common], help="one cutout or composite", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("image", type=Path)
    c.add_argument("-o", "--out", type=Path, required=True, help="output file (.png, .tif, .webp; .jpg with a background)")
    c.add_argument("--background", default="transparent", help="transparent | blur | COLOR (#RRGGBB, name, R,G,B) | IMAGE")
    c.add_argument("--premultiplied", action="store_true")
    c.add_argument("--trimap", type=Path, help="refine the unknown (128) band with closed-form matting")
    c.add_argument("--refine-edges", action="store_true",
                   help="re-solve a narrow band around the network's soft edge with closed-form matting")
    c.add_argument("--on-exists", default="number", choices=("skip", "overwrite", "number"))

    b = sub.add_parser("batch", parents=[common], help="export a whole folder", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("indir", type=Path)
    b.add_argument("outdir", type=Path)
    b.add_argument("--recursive", action="store_true", help="mirror subfolders")
    b.add_argument("--outputs", default="cutout", help="comma list of cutout, alpha, composite")
    b.add_argument("--format", default="png", choices=("png", "tiff", "webp", "jpg"))
    b.add_argument("--on-exists", default="skip", choices=("skip", "overwrite", "number"),
                   help="skip (default) resumes an interrupted batch")
    b.add_argument("--background", default="white", help="for composites (as in cutout)")
    b.add_argument("--premultiplied", action="store_true")
    b.add_argument("--refine-edges", action="store_true", help="as in cutout")
    b.add_argument("--report", type=Path, help="write a JSON (.json) or CSV report")

    e = sub.add_parser("eval", parents=[common], help="SAD, MSE, Gradient, Connectivity over a folder",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("--images", type=Path, required=True)
    e.add_argument("--alphas", type=Path, required=True)
    e.add_argument("--trimaps", type=Path, help="score only the unknown (128) region")
    e.add_argument("--pred", type=Path, help="score existing alpha PNGs (matching stems) instead of running the model")
    e.add_argument("--json", type=Path)
    return p


def make_engine(args: argparse.Namespace):
    from .engine import MattingEngine

    return MattingEngine(args.model, device=args.device, max_side=args.max_side, flip=args.flip, refine=args.refiner)


def cmd_matte(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .batch import model_metadata
    from .imageio import load_image
    from .output import OutputSpec, save_output

    engine = make_engine(args)
    failed = 0
    inputs = set(args.images)
    for path in tqdm(args.images, disable=args.quiet, unit="img", desc="matte"):
        try:
            image = load_image(path)
            save_output(args.out / f"{path.stem}.png", image, engine.predict(image.rgb), OutputSpec("alpha", "png", 8),
                        on_exists="overwrite", protected=inputs, metadata=model_metadata(engine))
        except MattingError as exc:
            failed += 1
            print(f"error: {exc}", file=sys.stderr)
    return 1 if failed else 0


def cmd_cutout(args: argparse.Namespace) -> int:
    from .batch import model_metadata
    from .compose import Background
    from .imageio import load_image
    from .output import OutputSpec, format_for_suffix, save_output
    from .refine import refine_auto, refine_with_trimap

    background = Background.parse(args.background)
    if args.out.suffix.lower() in (".jpg", ".jpeg") and background.kind == "transparent":
        raise UsageError("a .jpg output needs --background (JPEG has no transparency)")
    fmt = format_for_suffix(args.out.suffix)
    if fmt is None:
        raise UsageError(f"{args.out}: unsupported output format (use .png, .tif, .webp or .jpg)")
    spec = OutputSpec("cutout" if background.kind == "transparent" else "composite", fmt, None, args.premultiplied,
                      background)
    engine = make_engine(args)
    image = load_image(args.image)
    alpha = engine.predict(image.rgb)
    if args.trimap:
        trimap = load_image(args.trimap).rgb
        if trimap.shape[:2] != alpha.shape:
            raise MattingError(f"{args.trimap}: trimap is {trimap.shape[1]}x{trimap.shape[0]}, "
                               f"{args.image} is {alpha.shape[1]}x{alpha.shape[0]}")
        alpha = refine_with_trimap(image.rgb, trimap, alpha)
    elif args.refine_edges:
        alpha = refine_auto(image.rgb, alpha)
    written = save_output(args.out, image, alpha, spec, on_exists=args.on_exists, metadata=model_metadata(engine))
    if not args.quiet:
        print(f"wrote {written}" if written else f"skipped {args.out}: exists")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .batch import BatchOptions, plan_batch, run_batch
    from .compose import Background

    try:
        options = BatchOptions(tuple(s.strip() for s in args.outputs.split(",") if s.strip()), args.format,
                               args.recursive, args.on_exists, Background.parse(args.background), args.premultiplied,
                               args.refine_edges)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    items = plan_batch(args.indir, args.outdir, options)
    engine = make_engine(args)
    bar = tqdm(total=len(items), disable=args.quiet, unit="img", desc="batch")

    def progress(done: int, total: int, result) -> None:
        bar.update(1)
        if result.status == "failed":
            tqdm.write(f"error: {result.error}", file=sys.stderr)

    stop = threading.Event()  # Ctrl+C: finish the file being written, report, exit 130
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        report = run_batch(engine, items, options, progress, cancel=stop.is_set)
    finally:
        signal.signal(signal.SIGINT, previous)
        bar.close()
    if args.report:
        report.write(args.report)
    if not args.quiet or report.cancelled:
        print(report.summary(), file=sys.stderr if report.cancelled else sys.stdout)
    return 130 if report.cancelled else 0 if report.ok else 1


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import EvalResult, evaluate, find_pairs, format_table, read_gray, score
    from .imageio import READ_SUFFIXES
    from .metrics import to_unit

    pairs = find_pairs(args.images, args.alphas, args.trimaps)
    on_row = None if args.quiet else lambda r: print(
        f"{r['name']:30s} SAD {r['sad']:8.2f}  MSE {r['mse']:.4f}  Grad {r['grad']:8.2f}  Conn {r['conn']:8.2f}")
    if args.pred:
        if not args.pred.is_dir():
            raise MattingError(f"{args.pred}: folder not found")
        preds = {p.stem: p for p in sorted(args.pred.iterdir()) if p.suffix.lower() in READ_SUFFIXES}
        missing = [p.name for p in pairs if p.name not in preds]
        if missing:
            raise MattingError(f"{args.pred}: no prediction for " + ", ".join(missing[:5]))
        result = EvalResult(str(args.pred))
        for pair in pairs:
            result.rows.append(score(pair, to_unit(read_gray(preds[pair.name])).astype("float32")))
            if on_row:
                on_row(result.rows[-1])
    else:
        engine = make_engine(args)
        result = evaluate(engine.model_info["model"], engine.predict, pairs, on_row=on_row)
    print(format_table([result]))
    if args.json:
        from .imageio import atomic_write

        atomic_write(args.json, json.dumps({"model": result.model, "means": result.means(), "rows": result.rows},
                                           indent=1).encode())
    return 0


class UsageError(Exception):
    pass


COMMANDS = {"matte": cmd_matte, "cutout": cmd_cutout, "batch": cmd_batch, "eval": cmd_eval}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (UsageError, ModelNotFoundError, ModelFileError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MattingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line for the user, the traceback only on request
        if os.environ.get("MSIA_MATTE_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (set MSIA_MATTE_DEBUG=1 for details)", file=sys.stderr)
        return 1
