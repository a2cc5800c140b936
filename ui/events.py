"""The core's payment and sync events, re-emitted as Qt signals on the GUI thread.

The core calls listeners on its own threads; these only emit signals, which Qt queues to
the GUI thread (Electrum's `on_event_*` pattern).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class PaymentEvents(QObject):
    changed = Signal(object)  # StatusChange, any status
    paid = Signal(object)
    declined = Signal(object)
    expired = Signal(object)
    cancelled = Signal(object)
    refunded = Signal(object)
    failed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = None

    def start(self) -> PaymentEvents:
        if self._unsubscribe is None:
            from kiosk.payments.status import subscribe

            self._unsubscribe = subscribe(self._on_core_change)
        return self

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_core_change(self, change) -> None:  # any thread
        self.changed.emit(change)
        name = str(change.status)
        if name in _NAMED:
            getattr(self, name).emit(change)


_NAMED = frozenset({"paid", "declined", "expired", "cancelled", "refunded", "failed"})
