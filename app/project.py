"""A project file beside the photo (``portrait.jpg`` -> ``portrait.jpg.msiamatte``): the work in
progress that File > Open reopens as it was. A zip (stored, not compressed: the PNGs are) of

  * ``project.json``: the photo's file name (found beside the project), its size, the settings
    that made the network matte (``matte_info``), the edge settings, the strokes waiting for
    Apply and the list of edits that made the matte from the network's (``app.edits``);
  * ``network.png`` and ``matte.png``: the network's and the edited matte, 16-bit grey PNGs;
  * ``edit-N.png``: the matte an edit handed in whole (the file's transparency), 16-bit.

Reopening needs no network run: the mattes are read back (16-bit: 1/65535 steps), and Recompute
replays the edits on a new network matte as usual. Written atomically; never the photo."""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from matting.edge_controls import EdgeSettings
from matting.errors import MattingError
from matting.files import atomic_write

from .edits import Edit, StrokeData

SUFFIX = ".msiamatte"
FORMAT, FORMAT_VERSION = "msia-matte-project", 1


@dataclass
class Project:
    photo: Path
    network_alpha: np.ndarray
    alpha: np.ndarray
    edits: list[Edit] = field(default_factory=list)
    strokes: list[StrokeData] = field(default_factory=list)
    edge: EdgeSettings = field(default_factory=EdgeSettings)
    matte_info: dict = field(default_factory=dict)


def project_path(photo: str | Path) -> Path:
    """Where the project of ``photo`` lives: beside it, its full name plus ``SUFFIX``."""
    photo = Path(photo)
    return photo.with_name(photo.name + SUFFIX)


def is_project(path: str | Path) -> bool:
    return Path(path).suffix.lower() == SUFFIX


def _png16(alpha: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", np.round(np.clip(alpha, 0, 1) * 65535).astype(np.uint16))
    if not ok:
        raise MattingError("cannot encode a matte as PNG")
    return data.tobytes()


def _read_png16(data: bytes, name: str, path: Path) -> np.ndarray:
    a = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if a is None or a.ndim != 2 or a.dtype != np.uint16:
        raise MattingError(f"{path}: {name} is not a 16-bit grey PNG")
    return a.astype(np.float32) / 65535


def save_project(path: str | Path, project: Project) -> Path:
    """Write ``project`` to ``path`` atomically (a crash leaves the previous file whole)."""
    path = Path(path)
    edits = [e.to_json() for e in project.edits]
    doc = {"format": FORMAT, "version": FORMAT_VERSION, "photo": project.photo.name,
           "size": [int(project.alpha.shape[1]), int(project.alpha.shape[0])],
           "matte_info": {k: v for k, v in project.matte_info.items() if isinstance(v, (str, int, float, bool))},
           "edge": project.edge.metadata(), "strokes": [s.to_json() for s in project.strokes], "edits": edits}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("project.json", json.dumps(doc, indent=1))
        z.writestr("network.png", _png16(project.network_alpha))
        z.writestr("matte.png", _png16(project.alpha))
        for i, e in enumerate(project.edits):
            if e.alpha is not None:
                z.writestr(f"edit-{i}.png", _png16(e.alpha))
    return atomic_write(path, buf.getvalue())


def load_project(path: str | Path) -> Project:
    """Read a project file; a clear ``MattingError`` naming the file when it is not one."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            doc = json.loads(z.read("project.json"))
            if doc.get("format") != FORMAT:
                raise MattingError(f"{path}: not an MSIA Matte project")
            names = set(z.namelist())
            mattes = {n: _read_png16(z.read(n), n, path) for n in names if n.endswith(".png")}
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise MattingError(f"{path}: cannot read the project ({exc})") from exc
    w, h = doc["size"]
    for name, a in mattes.items():
        if a.shape != (h, w):
            raise MattingError(f"{path}: {name} is {a.shape[1]} x {a.shape[0]} px, the photo {w} x {h}")
    edits = [Edit.from_json(e, mattes.get(f"edit-{i}.png")) for i, e in enumerate(doc.get("edits", []))]
    return Project(path.with_name(doc["photo"]), mattes["network.png"], mattes["matte.png"], edits,
                   [StrokeData.from_json(s) for s in doc.get("strokes", [])],
                   EdgeSettings.from_metadata(doc.get("edge", {})), dict(doc.get("matte_info", {})))
