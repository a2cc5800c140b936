"""Was money late? Only if Stripe completed it after Stripe confirmed the attempt closed.

The desk may learn of a payment after it cancelled the attempt (`pay X --no-wait`, the
student pays, `pay X` again): the order in which the desk learns things says nothing.
What counts is Stripe's completion time (the charge's `created`, or the completing
event's) against `PaymentAttempt.closed_at`, set when Stripe accepted the expire or the
deactivation. Stripe refuses to expire a completed session, so closed_at stays empty and
the payment counts. Stripe's times are whole seconds: a payment in the same second as the
close is not late.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.ledger.models import PaymentAttempt
from kiosk.ledger.types import utcnow
from kiosk.payments.ledger_writes import AttemptRow
from kiosk.payments.status import PaymentStatus

LATE = (PaymentStatus.CANCELLED.value, PaymentStatus.EXPIRED.value)


def late_after_close(
    session: Session, attempt: AttemptRow | None, charge: Any, event_created: int | None
) -> bool:
    """Is money for `attempt` late: finished (cancelled, expired) and paid after the close?"""
    if attempt is None or attempt.status not in LATE:
        return False
    return paid_after_close(session, attempt.id, completed_at(charge, event_created))


def completed_at(charge: Any, event_created: int | None) -> int | None:
    """Stripe's completion time (epoch seconds): the charge's, else the event's."""
    if isinstance(charge, dict) and charge.get("created"):
        return int(charge["created"])
    return int(event_created) if event_created else None


def paid_after_close(session: Session, attempt_id: int, completed: int | None) -> bool:
    """True when Stripe had confirmed the attempt closed before the payment completed.
    Unknown completion time against a confirmed close: flagged, for staff to look at."""
    closed = session.scalar(select(PaymentAttempt.closed_at).where(PaymentAttempt.id == attempt_id))
    if closed is None:
        return False
    return completed is None or completed > int(closed.timestamp())


def mark_closed(session: Session, public_id: str, at: datetime | None = None) -> None:
    """Record that Stripe accepted the expire or deactivation (the first time only)."""
    session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.public_id == public_id, PaymentAttempt.closed_at.is_(None))
        .values(closed_at=at or utcnow())
    )
