"""Runs the desk's relay sync loop on its own worker thread and reports its state as a signal."""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from kiosk.sync.loop import SyncLoop
    from kiosk.sync.state import SyncState

log = logging.getLogger(__name__)


class SyncController(QObject):
    state_changed = Signal(object)  # kiosk.sync.state.SyncState
    stopped = Signal()
    default_wait = 25.0  # seconds a long-poll is held (tests shorten it)

    def __init__(self, ctx, parent: QObject | None = None, wait: float | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.wait = self.default_wait if wait is None else wait
        self.state: SyncState | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.loop: SyncLoop | None = None

    @property
    def configured(self) -> bool:
        return bool(self.ctx.settings.get("relay.url"))

    def start(self) -> bool:
        if self._thread is not None or not self.configured:
            return False
        # A fresh event per run: a loop that outlives stop()'s join still sees its own stop.
        self._stop = stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(stop,), name="kiosk-sync", daemon=True
        )
        self._thread.start()
        return True

    def _run(self, stop: threading.Event) -> None:  # worker thread
        try:
            from kiosk.sync.loop import build_sync_loop

            self.loop = build_sync_loop(self.ctx, on_state=self._on_loop_state, wait=self.wait)
            self.loop.run(self._stop)
        except Exception as exc:  # the loop retries its own errors: this is its set-up
            log.exception("the sync loop could not run")
            self._report_end(exc)
        else:
            if not self._stop.is_set():
                self._report_end(None)
        finally:
            self._emit(self.stopped)

    def _report_end(self, exc: Exception | None) -> None:  # worker thread
        """The thread ends although nobody asked: say so, never leave "connected" on screen."""
        from kiosk.sync.loop import plain_error
        from kiosk.sync.state import SyncState, SyncStatus

        if exc is None:
            state = SyncState(status=SyncStatus.STOPPED, error="the sync thread ended")
        else:
            state = SyncState(status=SyncStatus.ERROR, error=plain_error(exc))
        self._on_loop_state(state)

    def _on_loop_state(self, state) -> None:  # worker thread: only emit
        self.state = state
        self._emit(self.state_changed, state)

    def _emit(self, signal, *args) -> None:
        """Emit unless the window (and this object with it) is already gone."""
        if not shiboken6.isValid(self):
            return
        with contextlib.suppress(RuntimeError):  # deleted between the check and the emit
            signal.emit(*args)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        client = getattr(self.loop, "client", None)
        close = getattr(client, "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                close()  # cut a long-poll short
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
