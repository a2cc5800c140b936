"""Gapless receipt numbers (R-2026-000123), allocated inside the ledger transaction.

The counter row is bumped with an upsert, which holds its row lock until the caller's
transaction ends: desks sharing PostgreSQL queue on it, and a rolled-back payment gives
its number back, so numbers stay unique and gapless.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kiosk.ledger.models import Receipt, ReceiptCounter
from kiosk.ledger.types import utcnow


def format_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}-{year}-{seq:06d}"


def next_seq(session: Session, prefix: str, year: int) -> int:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(ReceiptCounter).values(prefix=prefix, year=year, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["prefix", "year"],
        set_={"last_value": ReceiptCounter.last_value + 1},
    ).returning(ReceiptCounter.last_value)
    return int(session.execute(stmt).scalar_one())


def issue_receipt(
    session: Session,
    *,
    prefix: str,
    timezone: str,
    desk: str,
    payment_id: int | None = None,
    refund_id: int | None = None,
    now: datetime | None = None,
) -> Receipt:
    """Create the receipt row (the "receipt due" request) for a payment or a refund.

    The PDF is rendered after the transaction commits; rows without a file are pending.
    """
    if (payment_id is None) == (refund_id is None):
        raise ValueError("a receipt is for exactly one payment or one refund")
    issued = now or utcnow()
    year = issued.astimezone(ZoneInfo(timezone)).year
    seq = next_seq(session, prefix, year)
    receipt = Receipt(
        number=format_number(prefix, year, seq),
        prefix=prefix,
        year=year,
        seq=seq,
        kind="payment" if payment_id is not None else "refund",
        payment_id=payment_id,
        refund_id=refund_id,
        desk=desk,
        issued_at=issued,
    )
    session.add(receipt)
    session.flush()
    return receipt
