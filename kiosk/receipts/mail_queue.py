"""Queue a receipt email inside the caller's transaction (the outbox row `send_due` sends).

Its own module so that rendering (`service`) can queue the automatic email without
importing the sender (`mail`), which imports rendering.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.ledger.models import MailMessage
from kiosk.ledger.types import utcnow
from kiosk.receipts.facts import find_receipt

if TYPE_CHECKING:
    from kiosk.context import Context


def queue_in_session(session: Session, ctx: Context, number: str, to: str) -> MailMessage:
    receipt = find_receipt(session, number)
    waiting = session.scalar(
        select(MailMessage).where(
            MailMessage.receipt_id == receipt.id,
            MailMessage.to_address == to,
            MailMessage.status.in_(("queued", "sending")),
        )
    )
    if waiting is not None:
        return waiting
    count = session.scalar(select(func.count()).where(MailMessage.receipt_id == receipt.id))
    domain = str(ctx.settings.get("smtp.sender")).rpartition("@")[2] or "fee-kiosk.local"
    row = MailMessage(
        receipt_id=receipt.id,
        to_address=to,
        message_id=f"<{receipt.number}.{(count or 0) + 1}.receipt@{domain}>",
        next_attempt_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row
