"""The engine behind the window and its settings (device, working resolution, flip averaging,
full-resolution refiner), each kept in QSettings. A holder is immutable: a setting change makes a
new holder (``with_changes``), so a matte records the holder it came from and the window can say
when the matte no longer matches the settings."""
from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QSettings

SETTING_KEYS = {"device": "engine/device", "max_side": "engine/max_side", "flip": "engine/flip",
                "refine": "engine/refiner"}


def _flag(value) -> bool | None:
    return {"true": True, "false": False}.get(str(value).lower())


class EngineHolder:
    """One engine per settings, created on first use (in a worker) and shared by the tasks that
    use it; progress and cancellation are per call (``MattingEngine.predict``), so two tasks
    never see each other's cancel."""

    def __init__(self, model: str | None, device: str = "auto", max_side: int | None = None, flip: bool | None = None,
                 refine: bool | None = None):
        self.model, self.device, self.max_side, self.flip, self.refine = model, device, max_side, flip, refine
        self.lock = threading.Lock()
        self._engine = None

    @classmethod
    def from_settings(cls, settings: QSettings, model: str | None = None, device: str | None = None,
                      max_side: int | None = None) -> "EngineHolder":
        """Arguments given on the command line win over the kept settings."""
        device = device or settings.value(SETTING_KEYS["device"], "auto")
        max_side = max_side or (int(settings.value(SETTING_KEYS["max_side"], 0) or 0) or None)
        return cls(model, device, max_side, _flag(settings.value(SETTING_KEYS["flip"], "")),
                   _flag(settings.value(SETTING_KEYS["refine"], "")))

    def get(self):
        with self.lock:
            if self._engine is None:
                self._engine = self.fresh()
            return self._engine

    @property
    def loaded(self):
        """The engine if it is loaded already, else None (never loads on the caller's thread)."""
        return self._engine

    def fresh(self):
        """A separate engine (for batch export running beside interactive work)."""
        from matting.engine import MattingEngine

        return MattingEngine(self.model, device=self.device, max_side=self.max_side, flip=self.flip, refine=self.refine)

    def with_changes(self, **changes) -> "EngineHolder":
        """A new holder with some settings changed (device, max_side, flip, refine)."""
        kw = {"model": self.model, "device": self.device, "max_side": self.max_side, "flip": self.flip,
              "refine": self.refine, **changes}
        return EngineHolder(**kw)

    def store(self, settings: QSettings, **changes) -> "EngineHolder":
        """``with_changes`` and keep the changed settings for the next run."""
        for name, value in changes.items():
            settings.setValue(SETTING_KEYS[name], value)
        return self.with_changes(**changes)


_warm = threading.Event()


def warm_up_solvers() -> None:
    """Run the foreground estimation, the closed-form solver and the quick selection once on a
    tiny image (once per process: later calls return at once). Their first call imports numba and
    loads pymatting's compiled functions, which holds Python's lock for about a second (measured:
    a 1.2 s stall of the GUI thread when it happened as the first matte arrived); the quick
    selection's first stroke imports scikit-image (a 0.3 s stall of the GUI thread while the first
    stroke was painted, bench/brush_responsiveness.py). ``app.main`` runs it before the event loop
    starts (beside the photo's loading): done in the start-up worker, beside the first matte on
    2 cores, it left 180-360 ms gaps in the GUI thread's heartbeat (bench/startup_gaps.py)."""
    if _warm.is_set():
        return
    from matting.compose import estimate_foreground
    from matting.quick_select import grow_stroke, rasterise_stroke
    from matting.refine import refine_with_trimap

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (24, 24, 3), np.uint8)
    alpha = np.zeros((24, 24), np.float32)
    alpha[:, 12:] = 1.0
    alpha[:, 10:14] = 0.5
    estimate_foreground(rgb, alpha)
    trimap = np.where(alpha > 0.9, 255, np.where(alpha < 0.1, 0, 128)).astype(np.uint8)
    refine_with_trimap(rgb, trimap, alpha)
    try:
        grow_stroke(rgb, alpha, rasterise_stroke([(4, 4), (8, 8)], 2, alpha.shape), 2)
    except ImportError:  # scikit-image missing: the brush says so when used
        pass
    _warm.set()
