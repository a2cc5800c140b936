"""Stopping cleanly on Ctrl+C and SIGTERM.

Python's default SIGINT handler raises KeyboardInterrupt in the main thread, which a Qt
event loop never gives it the chance to do, and SIGTERM's default kills the process
without running any `finally:`. `Termination` replaces both with a handler that only
records the signal and tells whoever listens (the GUI quits its event loop, `--no-gui`
stops waiting), so the caller's clean-up runs and the exit code says what happened.

    stop = Termination.install()
    try:
        ...                 # stop.wait(), or stop.on_signal(app.quit)
    finally:
        stop.restore()
    return stop.exit_code(default=0)
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNALS = tuple(
    s
    for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGBREAK", None))
    if s is not None
)


class Termination:
    """Records the first termination signal and calls the registered callbacks."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._event = threading.Event()
        self._callbacks: list[Callable[[], Any]] = []
        self._previous: dict[int, Any] = {}

    @classmethod
    def install(cls) -> Termination:
        """Handle SIGINT and SIGTERM (SIGBREAK on Windows) from now on. Signals reach the
        main thread only: elsewhere (a command run from a test's worker) nothing is
        installed and no signal is ever noted."""
        stop = cls()
        if threading.current_thread() is not threading.main_thread():
            return stop
        for signum in SIGNALS:
            stop._previous[signum] = signal.signal(signum, stop._handle)
        return stop

    def restore(self) -> None:
        """Put back the handlers that were there before `install`."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        self._event.set()
        for callback in list(self._callbacks):
            callback()

    @property
    def requested(self) -> bool:
        return self._event.is_set()

    def on_signal(self, callback: Callable[[], Any]) -> None:
        """Call `callback` when a signal arrives (at once if one already has)."""
        self._callbacks.append(callback)
        if self.requested:
            callback()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a signal arrives; True if one did.

        Waits in short slices so the handler also runs where a blocked lock can't be
        interrupted by a signal (Windows)."""
        if timeout is not None:
            return self._event.wait(timeout)
        while not self._event.wait(0.5):
            pass
        return True

    def exit_code(self, default: int = 0) -> int:
        """128 + the signal's number (130 for Ctrl+C, 143 for SIGTERM), as shells report it."""
        return default if self.signum is None else 128 + int(self.signum)
