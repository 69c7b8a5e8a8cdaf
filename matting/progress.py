"""Progress and cancellation hooks shared by the engine, batch export and the app's workers.

A long call takes ``progress: Callable[[float], None] | None`` (fraction 0..1) and
``cancel: Callable[[], bool] | None`` (returns True to stop). ``check`` raises ``Cancelled``.
"""
from __future__ import annotations

from typing import Callable, Optional

from .errors import Cancelled

ProgressFn = Optional[Callable[[float], None]]
CancelFn = Optional[Callable[[], bool]]


def report(progress: ProgressFn, fraction: float) -> None:
    """Send ``fraction`` (clamped to 0..1) to ``progress`` if there is one."""
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))))


def check(cancel: CancelFn) -> None:
    """Raise ``Cancelled`` when the caller asked to stop."""
    if cancel is not None and cancel():
        raise Cancelled("cancelled")
