"""``msia-matte``: alpha mattes, cutouts, folder export and evaluation from the command line.

Commands: ``matte``, ``cutout``, ``batch``, ``eval`` (see ``EPILOG`` and docs/cli.md). Entry point
``main(argv) -> exit status``: 0 when every file succeeded, 1 when some failed (each named on
stderr, and in the batch report), 2 for usage errors (bad options, missing model, missing input
folder), 130 when interrupted by Ctrl+C and 143 by SIGTERM (a batch finishes the file it is
writing and still writes its report, listing every file). Checks that need no network (options,
output suffix and folder, trimap) run before the model loads.
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
  msia-matte cutout photo.jpg -o out.png --strokes strokes.png   the network listens to your strokes (white subject, black background)
  msia-matte cutout photo.jpg -o out.png --edge radius=8,smooth=2,shift=-1 --crop 5%
  msia-matte cutout photo.jpg -o photo_layered.tif --layered   photo + matte as its alpha (GIMP, Krita, Photoshop)
  msia-matte batch shoot/ exports/ --recursive --outputs cutout,alpha --format tiff --report report.json
  msia-matte eval --images dev/image --alphas dev/alpha --json scores.json
"""


STROKES_HELP = ("the network listens to these strokes: an RGBA PNG, white = subject, black = background, "
                "transparent = no say (a model that takes strokes)")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", type=Path, help="model file (.safetensors); default: the installed model")
    common.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    common.add_argument("--max-side", type=max_side, help="long side the network sees (default: the model's)")
    common.add_argument("--flip", action=argparse.BooleanOptionalAction, default=None,
                        help="average with the mirrored image (default: on where the network runs in bf16 or fp16, "
                             "or when the model asks for it; ~1.5x the time)")
    common.add_argument("--precision", default="fp32", choices=("fp32", "bf16", "fp16", "auto"),
                        help="the network's arithmetic (default fp32 on every machine; bf16 on CPUs with "
                             "native bfloat16 and fp16 on CUDA are faster and move the matte slightly; "
                             "auto: the fastest this machine has)")
    common.add_argument("--refiner", action=argparse.BooleanOptionalAction, default=None,
                        help="full-resolution refinement after the network (default: on when the model has a refiner); "
                             "--no-refiner gives the faster coarse matte")
    common.add_argument("--quiet", action="store_true", help="no progress bar, errors only")
    outputs = argparse.ArgumentParser(add_help=False)  # what cutout and batch share about the result
    outputs.add_argument("--edge", type=edge_settings, default=None, metavar="SETTINGS",
                         help="edge controls at full resolution, e.g. radius=8,smooth=2,feather=1,contrast=0.2,"
                              "shift=-1,decontaminate=0.8 (pixels of the photo; contrast, decontaminate 0..1)")
    outputs.add_argument("--crop", type=crop_padding, default=None, metavar="PADDING",
                         help="crop to the subject with this padding: pixels (40) or a percentage (5%%)")
    add_input_alpha(outputs)

    p = argparse.ArgumentParser(prog="msia-matte", description="Trimap-free image matting (MSIA-matte).",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    m = sub.add_parser("matte", parents=[common], help="write 8-bit alpha PNGs", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    m.add_argument("images", nargs="+", type=Path)
    m.add_argument("-o", "--out", type=Path, required=True, help="output folder: OUT/<stem>.png")
    m.add_argument("--strokes", type=Path, help=STROKES_HELP + " (one photo)")
    m.add_argument("--on-exists", default="update", choices=ON_EXISTS_CHOICES, help=ON_EXISTS_HELP)
    add_input_alpha(m)

    c = sub.add_parser("cutout", parents=[common, outputs], help="one cutout or composite", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("image", type=Path)
    c.add_argument("-o", "--out", type=Path, required=True, help="output file (.png, .tif, .webp; .jpg with a background)")
    c.add_argument("--background", default="transparent", help="transparent | blur | COLOR (#RRGGBB, name, R,G,B) | IMAGE")
    c.add_argument("--premultiplied", action="store_true")
    c.add_argument("--trimap", type=Path, help="refine the unknown (128) band with closed-form matting")
    c.add_argument("--strokes", type=Path, help=STROKES_HELP)
    c.add_argument("--refine-edges", action="store_true",
                   help="re-solve a narrow band around the network's soft edge with closed-form matting")
    c.add_argument("--layered", action="store_true",
                   help="write a layered TIFF: the whole photo with the matte as its alpha (-o must be .tif)")
    c.add_argument("--on-exists", default="number", choices=ON_EXISTS_CHOICES, help=ON_EXISTS_HELP + " (default number)")

    b = sub.add_parser("batch", parents=[common, outputs], help="export a whole folder", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    b.add_argument("indir", type=Path)
    b.add_argument("outdir", type=Path)
    b.add_argument("--recursive", action="store_true", help="mirror subfolders")
    b.add_argument("--outputs", default="cutout", help="comma list of cutout, alpha, composite, layered (always .tif)")
    b.add_argument("--format", default="png", choices=("png", "tiff", "webp", "jpg"))
    b.add_argument("--on-exists", default="skip", choices=ON_EXISTS_CHOICES,
                   help=ON_EXISTS_HELP + " (default skip: resumes an interrupted batch)")
    b.add_argument("--background", default="white", help="for composites (as in cutout)")
    b.add_argument("--premultiplied", action="store_true")
    b.add_argument("--refine-edges", action="store_true", help="as in cutout")
    b.add_argument("--bit-depth", type=int, choices=(8, 16), help="PNG and TIFF (default: the photo's)")
    b.add_argument("--quality", type=int, default=95, help="JPEG quality, 1-100 (default 95)")
    b.add_argument("--report", type=Path, help="write a JSON (.json) or CSV report")

    e = sub.add_parser("eval", parents=[common], help="SAD, MSE, Gradient, Connectivity over a folder",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("--images", type=Path, required=True)
    e.add_argument("--alphas", type=Path, required=True)
    e.add_argument("--trimaps", type=Path, help="score only the unknown (128) region")
    e.add_argument("--pred", type=Path, help="score existing alpha PNGs (matching stems) instead of running the model")
    e.add_argument("--json", type=Path)
    return p


ON_EXISTS_CHOICES = ("skip", "update", "number", "overwrite")
ON_EXISTS_HELP = ("when an output's name is taken: skip (keep our earlier output), update (replace our earlier output), "
                  "number (write name-1.png), overwrite (replace whatever is there, never an input). A file that is not "
                  "an output of MSIA Matte (by its metadata) is kept by skip and update: the output is numbered instead")


def add_input_alpha(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input-alpha", default="limit", choices=("limit", "matte", "ignore"),
                        help="a file's own transparency: limit (default: its transparent pixels stay transparent), "
                             "matte (use it as the matte), ignore")


def max_side(text: str) -> int:
    """``--max-side``: a whole number in ``MAX_SIDE_RANGE`` (checked before the model loads)."""
    from .limits import MAX_SIDE_RANGE

    lo, hi = MAX_SIDE_RANGE
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"{value} is outside {lo}..{hi} (the long side the network sees, in pixels)")
    return value


def edge_settings(text: str):
    """``--edge``: ``radius=8,feather=1.5`` (checked before the model loads)."""
    from .edge_controls import EdgeSettings

    try:
        return EdgeSettings.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def crop_padding(text: str):
    """``--crop``: ``40`` or ``5%``."""
    from .crop import parse_padding

    try:
        return parse_padding(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def make_engine(args: argparse.Namespace):
    from .engine import MattingEngine

    return MattingEngine(args.model, device=args.device, max_side=args.max_side, flip=args.flip, refine=args.refiner,
                         precision=args.precision)


def warn(message: str) -> None:
    from tqdm import tqdm

    from .files import display

    tqdm.write(display(message), file=sys.stderr)  # above a progress bar, never inside its line


def say(message: str) -> None:
    """A line on stdout that never fails on a name that is not valid UTF-8."""
    from .files import display

    print(display(message))


def unexpected(path: Path, exc: BaseException) -> MattingError:
    """A bug met while working on ``path``: one line naming the file (traceback on request)."""
    from .files import display

    if isinstance(exc, MemoryError):
        return MattingError(f"{display(path)}: not enough memory to cut it out (the photo is too large for the memory "
                            "this process may use)")
    if os.environ.get("MSIA_MATTE_DEBUG"):
        raise exc
    return MattingError(f"{display(path)}: unexpected {type(exc).__name__}: {exc} (set MSIA_MATTE_DEBUG=1 for details)")


def run_inputs(args: argparse.Namespace) -> set[Path]:
    """Files every command reads besides its photos: the model (the default one included)."""
    from .model_files import default_model_path

    model = args.model or default_model_path()
    return {model} if model else set()


def auxiliary_image(path: Path, what: str):
    """Read an auxiliary image (trimap, background) before any work: a problem is a usage error."""
    from .imageio import load_image

    try:
        return load_image(path)
    except MattingError as exc:
        raise UsageError(f"{what}: {exc}") from None


def parse_background(text: str):
    """``--background``: a colour, ``blur``, ``transparent`` or an image, which is decoded now."""
    from .compose import Background

    background = Background.parse(text)
    if background.kind == "image":
        auxiliary_image(Path(background.image), "--background")
    return background


def read_guidance(path: Path | None, photo: Path, shape: tuple[int, int] | None = None):
    """The ``--strokes`` file for ``photo`` (read at ``shape``, else the photo is read for its
    size), or None; a bad file is a usage error naming it (exit 2, before the network runs)."""
    from .guidance import load_strokes
    from .imageio import load_image

    if path is None:
        return None
    try:
        return load_strokes(path, shape or load_image(photo).rgb.shape[:2])
    except MattingError as exc:
        raise UsageError(str(exc)) from None


def check_takes_strokes(engine, strokes) -> None:
    """``--strokes`` with a model without the guidance input is a usage error (exit 2)."""
    if strokes is not None and not engine.takes_strokes:
        raise UsageError(f"--strokes: the model {engine.model_info.get('model', '?')} does not take strokes "
                         "(a model trained with guidance does)")


def print_notes(image, quiet: bool) -> None:
    """What the user should know about a photo (each note names its file); shown with --quiet too."""
    if image.warning:
        warn(f"warning: {image.warning}")


def cmd_matte(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .files import output_names
    from .imageio import ensure_folder, load_image
    from .output import OutputSpec, save_output
    from .pipeline import Recipe, make_matte, output_metadata

    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"{args.out}: is a file; -o is the output folder")
    if args.strokes and len(args.images) != 1:
        raise UsageError("--strokes goes with one photo (batch finds <photo>.strokes.png beside each photo)")
    inputs = {p.resolve() for p in args.images} | run_inputs(args) | ({args.strokes.resolve()} if args.strokes else set())
    targets = [args.out / f"{name}.png" for name in output_names(args.images)]
    for src, target in zip(args.images, targets):
        if target.resolve() in inputs:
            raise UsageError(f"{target}: the output for {src} would replace an input; choose another -o folder")
    strokes = read_guidance(args.strokes, args.images[0])
    ensure_folder(args.out, probe=True)
    engine = make_engine(args)
    check_takes_strokes(engine, strokes)
    recipe = Recipe(args.input_alpha, guidance=strokes)
    metadata = output_metadata(engine.model_info, recipe, {"output": "alpha"})
    failed = 0
    for path, target in tqdm(list(zip(args.images, targets)), disable=args.quiet, unit="img", desc="matte"):
        try:
            try:
                image = load_image(path)
                alpha = make_matte(engine, image, recipe)
            except MattingError:
                raise
            except Exception as exc:  # a bug on one file: name it, go on with the others
                raise unexpected(path, exc) from None
            save_output(target, image, alpha, OutputSpec("alpha", "png", 8), metadata=metadata,
                        on_exists=args.on_exists, protected=inputs)
            print_notes(image, args.quiet)
        except MattingError as exc:
            failed += 1
            warn(f"error: {exc}")
    return 1 if failed else 0


def cmd_cutout(args: argparse.Namespace) -> int:
    """Everything that can be checked is checked before the network runs: options, the output's
    suffix and folder, the photo, the trimap and its size, the background image."""
    from .edge_controls import EdgeSettings
    from .imageio import check_output_path, ensure_folder, is_own_output, load_image
    from .output import OutputSpec, format_for_suffix
    from .pipeline import Recipe, cut_out, output_metadata

    edge = args.edge or EdgeSettings()
    if args.trimap and args.refine_edges:
        raise UsageError("--refine-edges and --trimap both re-solve the edge: give one of them")
    background = parse_background(args.background)
    if args.out.suffix.lower() in (".jpg", ".jpeg") and background.kind == "transparent":
        raise UsageError("a .jpg output needs --background (JPEG has no transparency)")
    fmt = format_for_suffix(args.out.suffix)
    if fmt is None:
        raise UsageError(f"{args.out}: unsupported output format (use .png, .tif, .webp or .jpg)")
    if args.layered and fmt != "tiff":
        raise UsageError(f"{args.out}: a layered output is a TIFF; name it .tif")
    kind = "layered" if args.layered else "cutout" if background.kind == "transparent" else "composite"
    spec = OutputSpec(kind, fmt, None, args.premultiplied, background, edge.decontaminate, args.crop)
    inputs = {args.image, *run_inputs(args)} | {p for p in (args.trimap, background.image, args.strokes) if p}
    try:
        check_output_path(args.out, protected=inputs)
    except MattingError as exc:
        raise UsageError(str(exc)) from None
    if args.on_exists == "skip" and args.out.is_file() and is_own_output(args.out):
        if not args.quiet:
            say(f"skipped {args.out}: exists")
        return 0
    ensure_folder(args.out.parent, probe=True)
    image = load_image(args.image)
    trimap = auxiliary_image(args.trimap, "--trimap").rgb if args.trimap else None
    if trimap is not None and trimap.shape[:2] != image.rgb.shape[:2]:
        raise UsageError(f"{args.trimap}: trimap is {trimap.shape[1]}x{trimap.shape[0]}, "
                         f"{args.image} is {image.rgb.shape[1]}x{image.rgb.shape[0]}")
    strokes = read_guidance(args.strokes, args.image, image.rgb.shape[:2])
    engine = make_engine(args)
    check_takes_strokes(engine, strokes)
    recipe = Recipe(args.input_alpha, args.refine_edges, edge, trimap, strokes)
    try:
        written = cut_out(engine, image, recipe, {kind: (args.out, spec)}, output_metadata(engine.model_info, recipe),
                          args.on_exists, inputs)[kind]
    except MattingError:
        raise
    except Exception as exc:
        raise unexpected(args.image, exc) from None
    print_notes(image, args.quiet)
    if not args.quiet:
        say(f"wrote {written}" if written else f"skipped {args.out}: exists")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .batch import BatchOptions, plan_batch, run_batch
    from .edge_controls import EdgeSettings
    from .files import IMAGE_SUFFIXES
    from .imageio import ensure_folder
    from .reports import check_report_path

    options = BatchOptions(tuple(s.strip() for s in args.outputs.split(",") if s.strip()), args.format,
                           args.recursive, args.on_exists, parse_background(args.background), args.premultiplied,
                           args.refine_edges, args.edge or EdgeSettings(), args.crop, args.input_alpha,
                           args.bit_depth, args.quality)
    if not args.indir.exists():
        raise UsageError(f"{args.indir}: input folder not found")
    if not args.indir.is_dir():
        raise UsageError(f"{args.indir}: is a file, not a folder (use `msia-matte cutout` for one photo)")
    if args.outdir.exists() and not args.outdir.is_dir():
        raise UsageError(f"{args.outdir}: is a file; the output folder must be a folder")
    if args.report and args.report.suffix.lower() not in (".json", ".csv"):
        raise UsageError(f"{args.report}: the report must be .json or .csv")
    items = plan_batch(args.indir, args.outdir, options)
    extra = run_inputs(args)
    if args.report:
        planned = {p for it in items for p in it.outputs.values()}
        check_report_path(args.report, {it.input for it in items} | planned | extra
                          | ({Path(options.background.image)} if options.background.kind == "image" else set()))
    if not items:
        print(f"{args.indir}: no images found ({', '.join(sorted(IMAGE_SUFFIXES))}"
              f"{'' if args.recursive else '; subfolders need --recursive'})", file=sys.stderr)
    ensure_folder(args.outdir, probe=True)
    if args.report:
        ensure_folder(args.report.parent.resolve(), probe=True)
    engine = make_engine(args)
    bar = tqdm(total=len(items), disable=args.quiet, unit="img", desc="batch")

    def progress(done: int, total: int, result) -> None:
        bar.update(1)
        if result.status == "failed":
            warn(f"error: {result.error}")
        if result.warning:
            warn(f"warning: {result.warning}")
        if result.strokes == "used" and not args.quiet:
            warn(f"{result.input}: with the strokes beside it")

    stop = threading.Event()  # Ctrl+C or SIGTERM: finish the file being written, report, exit
    received: list[int] = []

    def on_signal(signum, _frame) -> None:
        received.append(signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        report = run_batch(engine, items, options, progress, cancel=stop.is_set,
                           protected=extra | ({args.report} if args.report else set()))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        bar.close()
    if args.report:
        written = report.write(args.report, protected={it.input for it in items} | extra)
        if written.resolve() != args.report.resolve():
            warn(f"warning: {args.report} exists and is not a report of MSIA Matte: kept it, wrote the report to {written}")
    if not args.quiet or report.cancelled:
        print(report.summary(), file=sys.stderr if report.cancelled else sys.stdout)
    if report.cancelled:
        return 128 + (received[0] if received else signal.SIGINT)
    return 0 if report.ok else 1


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import EvalResult, evaluate, find_pairs, format_table, score_file
    from .files import display, files_by_stem
    from .imageio import SOFTWARE
    from .reports import check_report_path, write_report

    try:  # folders that do not pair up (missing or ambiguous files) are a usage error: nothing was scored
        pairs = find_pairs(args.images, args.alphas, args.trimaps)
        preds = files_by_stem(args.pred, strict=True) if args.pred else {}
    except MattingError as exc:
        raise UsageError(str(exc)) from None
    if args.pred:
        missing = [p.name for p in pairs if p.name not in preds]
        if missing:
            raise UsageError(f"{args.pred}: no prediction for " + ", ".join(missing[:5]))
    inputs = {f for p in pairs for f in (p.image, p.alpha, p.trimap) if f} | set(preds.values()) | run_inputs(args)
    if args.json:
        check_report_path(args.json, inputs, "--json file")
    if not args.quiet:
        for pair in pairs:
            files = [pair.image, pair.alpha] + ([pair.trimap] if pair.trimap else []) + ([preds[pair.name]] if preds else [])
            say(f"matched {pair.name}: " + ", ".join(display(f) for f in files))

    def on_row(r: dict) -> None:
        if "error" in r:
            print(f"error: {display(r['error'])}", file=sys.stderr)
        elif not args.quiet:
            say(f"{r['name']:30s} SAD {r['sad']:8.2f}  MSE {r['mse']:.4f}  Grad {r['grad']:8.2f}  Conn {r['conn']:8.2f}")

    if args.pred:
        result = EvalResult(str(args.pred))
        for pair in pairs:
            result.add(score_file(pair, preds[pair.name]), on_row)
    else:
        engine = make_engine(args)
        result = evaluate(engine.model_info["model"], engine.predict, pairs, on_row=on_row)
    say(format_table([result]))
    if args.json:
        data = {"software": SOFTWARE, **result.to_json()}
        written = write_report(args.json, json.dumps(data, indent=1).encode(), inputs)
        if written.resolve() != args.json.resolve():
            warn(f"warning: {args.json} exists and is not a score file of MSIA Matte: kept it, wrote the scores to {written}")
    return 1 if result.failed else 0


class UsageError(Exception):
    pass


class Terminated(BaseException):
    """SIGTERM outside a batch (a batch handles it like Ctrl+C): stop, exit 143."""


def _terminate(_signum, _frame) -> None:
    raise Terminated


COMMANDS = {"matte": cmd_matte, "cutout": cmd_cutout, "batch": cmd_batch, "eval": cmd_eval}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
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
    except Terminated:
        print("terminated", file=sys.stderr)
        return 143
    except Exception as exc:  # a bug: one line for the user, the traceback only on request
        if os.environ.get("MSIA_MATTE_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (set MSIA_MATTE_DEBUG=1 for details)", file=sys.stderr)
        return 1
