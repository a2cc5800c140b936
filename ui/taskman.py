"""The one task runner (after Anki's taskman): a single worker for the ledger, a pool for
the network. Background functions never touch widgets; their results come back to the
GUI thread through a Qt signal.

    taskman().run_in_background(fn, on_done, kind="db")   # on_done(future) runs on the GUI thread
    taskman().run_on_main(closure)                        # from any thread
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot

log = logging.getLogger("ui.taskman")

Kind = Literal["db", "net"]
BLOCK_LIMIT_MS = 50.0


class TaskManager(QObject):
    _closure_posted = Signal(object)

    def __init__(self, net_workers: int = 4) -> None:
        super().__init__()
        self._db = ThreadPoolExecutor(1, thread_name_prefix="kiosk-db")
        self._net = ThreadPoolExecutor(net_workers, thread_name_prefix="kiosk-net")
        self._closure_posted.connect(self._on_closure_posted, Qt.ConnectionType.QueuedConnection)
        self._pending = 0
        self._lock = threading.Lock()
        self._prestart(net_workers)

    def _prestart(self, net_workers: int) -> None:
        """Start every worker thread now, from a helper thread. ThreadPoolExecutor starts
        its threads lazily inside submit(), and Thread.start() waits until the new thread
        runs: on the GUI thread that was a stall of up to 20 ms whenever other threads held
        the interpreter (seen by the GUI benchmark's sampler)."""

        def start_all() -> None:
            for pool, count in ((self._db, 1), (self._net, net_workers)):
                barrier = threading.Barrier(count)  # all busy at once: each gets a thread
                for _ in range(count):
                    pool.submit(barrier.wait, 5)

        threading.Thread(target=start_all, name="kiosk-prestart", daemon=True).start()

    def run_in_background(
        self, fn: Callable[[], Any], on_done: Callable[[Future], None] | None, kind: Kind = "db"
    ) -> Future:
        pool = self._db if kind == "db" else self._net
        with self._lock:
            self._pending += 1
        future = pool.submit(fn)

        def _done(fut: Future) -> None:
            def _deliver() -> None:
                with self._lock:
                    self._pending -= 1
                if on_done is not None:
                    on_done(fut)

            _deliver.__qualname__ = getattr(on_done, "__qualname__", "_deliver")
            self.run_on_main(_deliver)

        future.add_done_callback(_done)
        return future

    def run_on_main(self, closure: Callable[[], Any]) -> None:
        self._closure_posted.emit(closure)

    @property
    def pending(self) -> int:
        return self._pending

    @Slot(object)
    def _on_closure_posted(self, closure: Callable[[], Any]) -> None:
        start = time.perf_counter()
        try:
            closure()
        except Exception:
            # Handed on as PySide6 does for any slot: the desk's hook logs it and carries on
            # (ui.errors.install_excepthook); under pytest-qt the hook fails the test.
            sys.excepthook(*sys.exc_info())
        elapsed = (time.perf_counter() - start) * 1000
        if elapsed > BLOCK_LIMIT_MS:
            name = getattr(closure, "__qualname__", repr(closure))
            log.warning("GUI thread blocked %.0f ms in %s", elapsed, name)

    def shutdown(self) -> None:
        self._db.shutdown(wait=False, cancel_futures=True)
        self._net.shutdown(wait=False, cancel_futures=True)


class BlockWatch(QObject):
    """A heartbeat on the GUI thread that logs (and records) every stall over the limit."""

    stalled = Signal(float)

    def __init__(self, interval_ms: int = 10, limit_ms: float = BLOCK_LIMIT_MS) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self.limit_ms = limit_ms
        self.max_gap_ms = 0.0
        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        self.max_gap_ms = 0.0
        self.gaps = []
        self._last = time.perf_counter()
        self._timer.start(self.interval_ms)

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        gap = (now - self._last) * 1000
        self._last = now
        self.max_gap_ms = max(self.max_gap_ms, gap)
        self.gaps.append(gap)
        if gap - self.interval_ms > self.limit_ms:
            log.warning("GUI thread blocked for %.0f ms", gap - self.interval_ms)
            self.stalled.emit(gap)


_instance: TaskManager | None = None


def taskman() -> TaskManager:
    """The process's task runner, created on first use (after the QApplication)."""
    global _instance
    if _instance is None:
        assert QCoreApplication.instance() is not None, "create the QApplication first"
        _instance = TaskManager()
    return _instance
