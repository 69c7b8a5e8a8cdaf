"""Engine calls off the UI thread. Each task runs in the global QThreadPool, reports progress
(0..1) and can be cancelled: the flag is read by the engine's ``cancel`` callback between network
blocks. Results come back through Qt signals, so slots run on the UI thread."""
from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from matting.errors import Cancelled, MattingError


class TaskSignals(QObject):
    progress = Signal(float)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Task(QRunnable):
    """Runs ``fn(progress, cancel)`` in the thread pool."""

    def __init__(self, fn: Callable[[Callable[[float], None], Callable[[], bool]], Any]):
        super().__init__()
        self.fn = fn
        self.signals = TaskSignals()
        self._cancel = threading.Event()
        self.setAutoDelete(False)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        if self._cancel.is_set():  # replaced before it started (a newer slider value, say): skip it
            self._emit(self.signals.cancelled)
            return
        fn, self.fn = self.fn, None  # Qt may hold a finished runnable a while: not what its job holds
        try:
            result = fn(self._progress, self._cancel.is_set)
        except Cancelled:
            self._emit(self.signals.cancelled)
        except MattingError as exc:
            self._emit(self.signals.failed, str(exc))
        except Exception as exc:  # never let a traceback reach the user; keep it in the log
            traceback.print_exc()
            self._emit(self.signals.failed, f"{type(exc).__name__}: {exc}")
        else:  # a task that handled cancellation itself (batch: a partial report) still reports
            self._emit(self.signals.done, result)

    def _progress(self, fraction: float) -> None:
        self._emit(self.signals.progress, fraction)

    @staticmethod
    def _emit(signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the window closed while the task ran: nobody is listening
            pass


class Workers(QObject):
    """Starts tasks and keeps them alive until they finish.

    A task started with a ``key`` ("open", "matte", ...) replaces the previous task of that key:
    the old one is cancelled and whatever it reports afterwards (result, error, cancellation) is
    dropped, so only the current task's result is ever accepted (open a big photo, then a small
    one: the window ends on the small one). A task replaced while still queued never runs, so a
    burst of slider moves costs the running computation and the newest one, not one per move."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool.globalInstance()
        self.running: set[Task] = set()
        self.current: dict[str, Task] = {}
        self.closed = False  # after shutdown() no result is delivered (the window is going away)
        self.extra_pools: list[QThreadPool] = []

    def start(self, fn, on_done=None, on_failed=None, on_progress=None, on_cancelled=None, key: str | None = None,
              priority: int = 0, pool: QThreadPool | None = None) -> Task:
        """Run ``fn`` in ``pool`` (default: the global pool; a brush preview has a thread of its own
        so that it never waits behind a long job)."""
        task = Task(fn)
        if key is not None:
            previous = self.current.get(key)
            if previous is not None:
                previous.cancel()
            self.current[key] = task
        if on_progress is not None:
            task.signals.progress.connect(self._if_current(key, task, on_progress))
        for signal, slot in ((task.signals.done, on_done), (task.signals.failed, on_failed),
                             (task.signals.cancelled, on_cancelled)):
            signal.connect(self._settle(key, task, slot))
        self.running.add(task)
        (pool or self.pool).start(task, priority)
        return task

    def _if_current(self, key: str | None, task: Task, slot):
        def guarded(*args):
            if not self.closed and (key is None or self.current.get(key) is task):
                slot(*args)
        return guarded

    def _settle(self, key: str | None, task: Task, slot):
        """The slot of a task's last word (done, failed, cancelled), run once the task is off the
        books: in it ``is_running(key)`` already says whether anything else is computing. (Doing
        the bookkeeping in a second connection raced: the worker thread posts one event per
        connection, and the UI thread could run the slot and its follow-ups between the two.)"""
        def settled(*args):
            current = not self.closed and (key is None or self.current.get(key) is task)
            self._finished(task, key)
            if current and slot is not None:
                slot(*args)
        return settled

    def _finished(self, task: Task, key: str | None) -> None:
        self.running.discard(task)
        if key is not None and self.current.get(key) is task:
            del self.current[key]
        # The connections live in Qt, out of Python's collector's sight, and their slots hold the
        # task (and what its job closed over: a document, its mattes): drop them with the signals.
        task.signals.deleteLater()

    def is_running(self, key: str) -> bool:
        return key in self.current

    def cancel(self, key: str) -> None:
        """Cancel the current task of ``key``; it still reports its cancellation."""
        task = self.current.get(key)
        if task is not None:
            task.cancel()

    def cancel_all(self) -> None:
        for task in list(self.running):
            task.cancel()

    def shutdown(self, msecs: int = 5000) -> None:
        """Cancel everything, wait for it, and deliver no more results."""
        self.closed = True
        self.cancel_all()
        self.wait(msecs)

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs) and all(p.waitForDone(msecs) for p in self.extra_pools)

    def dedicated_pool(self, threads: int = 1) -> QThreadPool:
        """A pool of its own (waited for by ``wait`` and ``shutdown``)."""
        pool = QThreadPool(self)
        pool.setMaxThreadCount(threads)
        self.extra_pools.append(pool)
        return pool
