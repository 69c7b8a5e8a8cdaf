"""Files on disk: the one atomic write, the list of image suffixes, files matched by stem, and
output names that cannot collide. Used by the engine, the app, training and the benches.

Public API:
  ``IMAGE_SUFFIXES``: the suffixes read as images everywhere (``load_image`` reads them all).
  ``atomic_write(path, data, on_exists="overwrite", protected=(), owned=None) -> Path | None``:
      ``data`` is bytes or ``writer(tmp_path)``; written to a temporary file in the target folder
      (created when missing), flushed, then put in place in one step: readers see no file, or the
      old one, or the complete new one. ``on_exists``: ``overwrite`` (``os.replace``: only on an
      explicit request), ``number`` (``name-1.ext``, ``name-2.ext``, ...), ``skip`` (None when
      the name holds our own earlier output) or ``update`` (replace our own earlier output).
      What is "ours" is ``owned(path)`` (metadata the tool wrote, never the name): a file that is
      not ours is never replaced by ``skip`` or ``update``, the next numbered name is taken.
      Names are claimed with a hard link, which fails when the name exists: two processes writing
      into one folder never take the same name, and the name never points at a partial file. The
      temporary file is removed on every failure, Ctrl+C included, and its name fits the file
      system's limit whatever the target's length. ``protected`` paths are never written.
  ``files_by_stem(folder, suffixes=IMAGE_SUFFIXES, strict=False) -> {stem: path}``: pairing by
      file stem (``strict``: two files with one stem are an error naming both).
  ``output_names(paths) -> list[str]``: a stem per input, unique within the list (``a.jpg`` and
      ``a.png`` give ``a_jpg`` and ``a_png``; a stem seen in two folders is numbered).
  ``display(path)``: a name as printable UTF-8 text (undecodable bytes as ``\\xff``);
  ``name_problem(path)``: why a name cannot be created (too long), or "".
Errors are ``ImageWriteError`` naming the file; ``.errno`` keeps the system's error number.
"""
from __future__ import annotations

import errno as errno_codes
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

from .errors import ImageWriteError, MattingError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif", ".avif"})
ON_EXISTS = ("skip", "overwrite", "number", "update")
Writer = Callable[[str], None]
Owned = Callable[[Path], bool]
NAME_MAX = 255  # bytes in one file name (ext4, APFS, NTFS in UTF-16 units); longer is ENAMETOOLONG
TMP_EXTRA = len(".") + len(".12345678.part")  # what mkstemp adds around the kept part of the name


def files_by_stem(folder: str | Path, suffixes: Iterable[str] = IMAGE_SUFFIXES, strict: bool = False) -> dict[str, Path]:
    """Files of ``folder`` (not its subfolders) with one of ``suffixes``, by stem; hidden files
    (``.name``, e.g. our temporary files) are left out. A missing folder is an error naming it.
    ``strict``: two files with one stem (``b.jpg``, ``b.png``) are an error naming both, instead
    of the later one silently winning."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MattingError(f"{folder}: folder not found" if not folder.exists() else f"{folder}: not a folder")
    allowed = {s.lower() for s in suffixes}
    found: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if p.suffix.lower() in allowed and not p.name.startswith(".") and p.is_file():
            if strict and p.stem in found:
                raise MattingError(f"{display(found[p.stem])} and {display(p)}: two files with the stem "
                                   f"{display(p.stem)!r}; which one is meant is ambiguous (rename or move one)")
            found[p.stem] = p
    return found


def display(path: str | Path) -> str:
    """``path`` as printable text: bytes that are not valid UTF-8 (kept by Python as surrogates)
    shown as ``\\xff`` escapes, so printing and UTF-8 reports never fail on a name."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def name_problem(path: Path) -> str:
    """Why ``path``'s file name cannot be created here ("" when it can): too many bytes."""
    size = len(os.fsencode(path.name))
    if size > NAME_MAX:
        return f"{display(path)}: the file name is {size} bytes long; file systems allow {NAME_MAX}"
    return ""


def output_names(paths: Iterable[Path]) -> list[str]:
    """One output stem per input path, none equal (case-insensitively, as on macOS/Windows)."""
    paths = list(paths)
    counts: dict[str, int] = {}
    for p in paths:
        counts[p.stem.lower()] = counts.get(p.stem.lower(), 0) + 1
    names, taken = [], set()
    for p in paths:
        name = p.stem if counts[p.stem.lower()] == 1 else f"{p.stem}_{p.suffix[1:].lower()}"
        unique, n = name, 1
        while unique.lower() in taken:
            unique, n = f"{name}-{n}", n + 1
        taken.add(unique.lower())
        names.append(unique)
    return names


def write_error(path: Path, exc: OSError, what: str = "cannot write") -> ImageWriteError:
    """An ``ImageWriteError`` naming ``path`` that keeps the errno (disk full, read-only, ...)."""
    err = ImageWriteError(f"{display(path)}: {what} ({exc.strerror or exc})")
    err.errno = exc.errno
    return err


def numbered(path: Path, n: int) -> Path:
    """``name.ext``, ``name-1.ext``, ``name-2.ext``, ... (n = 0, 1, 2, ...)."""
    return path if n == 0 else path.with_name(f"{path.stem}-{n}{path.suffix}")


def atomic_write(path: str | Path, data: bytes | Writer, on_exists: str = "overwrite",
                 protected: Iterable[str | Path] = (), owned: Owned | None = None) -> Path | None:
    """See the module docstring. Returns the path written, or None when ``skip`` found it taken.
    ``owned(path)``: whether an existing file is this tool's own output (``skip`` then skips it,
    ``update`` replaces it); a file that is not is never replaced by ``skip`` or ``update``: the
    next free numbered name is taken instead (the caller sees another path come back)."""
    if on_exists not in ON_EXISTS:
        raise ValueError(f"on_exists must be one of {ON_EXISTS}")
    path = Path(path)
    guarded = {Path(p).resolve() for p in protected}
    if path.resolve() in guarded:
        raise ImageWriteError(f"{display(path)}: refusing to write over an input file")
    problem = name_problem(path)
    if problem:
        raise ImageWriteError(problem)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        keep = os.fsdecode(os.fsencode(path.name)[: NAME_MAX - TMP_EXTRA]) if len(os.fsencode(path.name)) > NAME_MAX - TMP_EXTRA else path.name
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{keep}.", suffix=".part")
        if isinstance(data, (bytes, bytearray, memoryview)):
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        else:
            os.close(fd)
            data(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)
        if on_exists == "overwrite":
            os.replace(tmp, path)
            return path
        return _claim(tmp, path, on_exists, guarded, owned)
    except OSError as exc:
        raise write_error(path, exc) from None
    finally:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)


def _claim(tmp: str, path: Path, on_exists: str, guarded: set[Path], owned: Owned | None) -> Path | None:
    """Give the finished ``tmp`` a name that nobody holds yet (a hard link fails when it does),
    or, for ``skip``/``update``, the first name held by our own earlier output."""
    n = 0
    while True:
        candidate = numbered(path, n)
        n += 1
        if candidate.resolve() in guarded:
            continue
        if name_problem(candidate):
            raise ImageWriteError(name_problem(candidate))
        try:
            _link_exclusive(tmp, candidate)
            return candidate
        except FileExistsError:
            if on_exists == "number":
                continue
            if owned is None or owned(candidate):
                if on_exists == "skip":
                    return None
                os.replace(tmp, candidate)  # update: our own earlier output
                return candidate


def _link_exclusive(tmp: str, target: Path) -> None:
    """Create ``target`` holding ``tmp``'s complete content, or raise FileExistsError."""
    try:
        os.link(tmp, target)
        return
    except FileExistsError:
        raise
    except OSError as exc:  # a file system without hard links: reserve the name, then replace
        if exc.errno not in (errno_codes.EPERM, errno_codes.ENOTSUP, errno_codes.EOPNOTSUPP, errno_codes.EXDEV,
                             errno_codes.EMLINK):
            raise
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    os.close(fd)
    os.replace(tmp, target)


def _read_umask() -> int:
    mask = os.umask(0o022)  # the only way to read it; done once, at import, before any thread runs
    os.umask(mask)
    return mask


_UMASK = _read_umask()
