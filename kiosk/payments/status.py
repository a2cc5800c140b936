"""Payment status, as the core publishes it.

`PaymentStatus` is the enum every screen and command speaks. Changes are published as
`StatusChange` events *after* the ledger transaction commits; `ui/` subscribes and
re-emits them as Qt signals (labels and colours live there, not here).

    unsubscribe = subscribe(print)
    publish(StatusChange("pa_…", "INV-1", PaymentStatus.PAID))
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

log = logging.getLogger(__name__)


class PaymentStatus(StrEnum):
    CREATED = "created"  # recorded, Stripe not yet answered
    OPEN = "open"
    PAID = "paid"
    DECLINED = "declined"  # a card was declined; the session stays open for a retry
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in FINAL


FINAL = frozenset(
    {
        PaymentStatus.PAID,
        PaymentStatus.EXPIRED,
        PaymentStatus.CANCELLED,
        PaymentStatus.REFUNDED,
        PaymentStatus.FAILED,
    }
)
LIVE = frozenset({PaymentStatus.CREATED, PaymentStatus.OPEN, PaymentStatus.DECLINED})


@dataclass(frozen=True)
class StatusChange:
    attempt_id: str | None  # the attempt's public id; None for money with no desk attempt
    invoice_number: str
    status: PaymentStatus
    reason: str = ""
    payment_id: int | None = None


Listener = Callable[[StatusChange], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call `listener(change)` for every published change; returns the unsubscribe function.

    Listeners run on the publishing thread: a Qt listener should only emit a signal.
    """
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def publish(change: StatusChange) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(change)
        except Exception:  # one broken listener must not stop the others
            log.exception("status listener failed")


def publish_all(changes: Iterable[StatusChange]) -> None:
    for change in changes:
        publish(change)
