"""One background thread that runs callbacks later or periodically (expiry sweeps,
webhook retries, async refund failures, state saves)."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("kiosk.sandbox.scheduler")


class Scheduler:
    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="sandbox-scheduler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._seq), fn))
            self._cond.notify()

    def every(self, interval: float, fn: Callable[[], None]) -> None:
        def tick() -> None:
            try:
                fn()
            finally:
                self.call_later(interval, tick)

        self.call_later(interval, tick)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(5)

    def _run(self) -> None:
        while True:
            fn = self._next()
            if fn is None:
                return
            try:
                fn()
            except Exception:
                log.exception("sandbox background task failed")

    def _next(self) -> Callable[[], None] | None:
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                if self._heap and self._heap[0][0] <= now:
                    return heapq.heappop(self._heap)[2]
                timeout = self._heap[0][0] - now if self._heap else None
                self._cond.wait(timeout)
            return None
