"""Reports and score files (JSON, CSV) written the way images are: atomically, never over an
input, and never over a file that is not provably an earlier report of ours.

"Ours" is decided by what the tool wrote into the file, never by its name: a JSON report holds
``"software": "MSIA Matte"``, a CSV report starts with ``CSV_HEADER`` (a CSV has no other place
for it). An existing file that is neither is kept, and the report goes to the next numbered name
(``report-1.json``), which the caller says.

Public API:
  ``CSV_HEADER``; ``is_own_report(path)``;
  ``write_report(path, data, protected=()) -> Path``: the path written.
  ``check_report_path(path, protected=(), what="report")``: the checks made before any work
      (a folder, an input of the run), raising ``ValueError`` naming the path.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from .files import atomic_write, display
from .imageio import SOFTWARE

CSV_HEADER = "input,outputs,status,error,seconds,warning"


def is_own_report(path: str | Path) -> bool:
    """An earlier JSON or CSV report of MSIA Matte (its content says so)."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return False
    if Path(path).suffix.lower() == ".csv":
        return head.split(b"\n", 1)[0].rstrip(b"\r") == CSV_HEADER.encode()
    try:
        data = json.loads(head)
    except (ValueError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("software") == SOFTWARE


def check_report_path(path: Path, protected: Iterable[str | Path] = (), what: str = "report") -> None:
    """Before any work: the path must name a file that is not an input of the run."""
    if path.is_dir():
        raise ValueError(f"{display(path)}: is a folder; the {what} must be a file name")
    if path.resolve() in {Path(p).resolve() for p in protected}:
        raise ValueError(f"{display(path)}: is an input of this run; the {what} must not replace it")


def write_report(path: str | Path, data: bytes, protected: Iterable[str | Path] = ()) -> Path:
    """Write atomically; an earlier report of ours is replaced, any other file is kept."""
    written = atomic_write(path, data, on_exists="update", protected=protected, owned=is_own_report)
    assert written is not None  # update never skips
    return written
