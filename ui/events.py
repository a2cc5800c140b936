"""The core's payment events, re-emitted as Qt signals on the GUI thread.

The core calls listeners on its own threads (poller, relay sync, workers). The listener
here only queues the change; the GUI thread drains the queue a few milliseconds at a
time, so a burst of a thousand synced events never freezes the counter (Electrum's
`on_event_*` listeners, with a time budget).
"""

from __future__ import annotations

import threading
import time
from collections import deque

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

BUDGET_S = 0.008  # GUI time per slice of the queue
_NAMED = frozenset({"paid", "declined", "expired", "cancelled", "refunded", "failed"})


class PaymentEvents(QObject):
    changed = Signal(object)  # StatusChange, any status
    paid = Signal(object)
    declined = Signal(object)
    expired = Signal(object)
    cancelled = Signal(object)
    refunded = Signal(object)
    failed = Signal(object)
    _arrived = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = None
        self._queue: deque = deque()
        self._lock = threading.Lock()
        self._scheduled = False
        self._arrived.connect(self._on_arrived, Qt.ConnectionType.QueuedConnection)

    def start(self) -> PaymentEvents:
        if self._unsubscribe is None:
            from kiosk.payments.status import subscribe

            self._unsubscribe = subscribe(self._on_core_change)
        return self

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @property
    def pending(self) -> int:
        return len(self._queue)

    def _on_core_change(self, change) -> None:  # any thread: queue, and wake the GUI once
        with self._lock:
            self._queue.append(change)
            wake = not self._scheduled
            self._scheduled = True
        if wake:
            self._arrived.emit()

    @Slot()
    def _on_arrived(self) -> None:
        deadline = time.perf_counter() + BUDGET_S
        while True:
            with self._lock:
                if not self._queue:
                    self._scheduled = False
                    return
                change = self._queue.popleft()
            self.changed.emit(change)
            name = str(change.status)
            if name in _NAMED:
                getattr(self, name).emit(change)
            if time.perf_counter() > deadline:
                QTimer.singleShot(0, self, self._on_arrived)  # the rest after other events
                return
