"""Gapless receipt numbers (R-2026-000123), allocated inside the ledger transaction.

The counter row is bumped with an upsert, which holds its row lock until the caller's
transaction ends: desks sharing PostgreSQL queue on it, and a rolled-back payment gives
its number back, so numbers stay unique and gapless. The statements are prebuilt
(kiosk.ledger.fastsql) because every payment the apply path records issues one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from kiosk.clock import local
from kiosk.ledger.fastsql import dialect_insert, table, write
from kiosk.ledger.models import Receipt, ReceiptCounter
from kiosk.ledger.types import utcnow

INSERT_RECEIPT = insert(table(Receipt))
_BUMP: dict[str, Any] = {}


def format_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}-{year}-{seq:06d}"


def _bump_statement(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    stmt = _BUMP.get(dialect)
    if stmt is None:
        counters = table(ReceiptCounter)
        stmt = _BUMP[dialect] = (
            dialect_insert(session)(counters)
            .values(prefix=bindparam("prefix"), year=bindparam("year"), last_value=1)
            .on_conflict_do_update(
                index_elements=["prefix", "year"],
                set_={"last_value": counters.c.last_value + 1},
            )
            .returning(counters.c.last_value)
        )
    return stmt


def next_seq(session: Session, prefix: str, year: int) -> int:
    return int(write(session, _bump_statement(session), {"prefix": prefix, "year": year})[0])


def record_receipt(
    session: Session,
    *,
    prefix: str,
    timezone: str,
    desk: str,
    payment_id: int | None = None,
    refund_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """Create the receipt row (the "receipt due" request) for a payment or a refund and
    return its number. The unique payment_id / refund_id makes it exactly-once; the PDF is
    rendered after the transaction commits (rows without a file are pending)."""
    if (payment_id is None) == (refund_id is None):
        raise ValueError("a receipt is for exactly one payment or one refund")
    issued = now or utcnow()
    year = local(issued, timezone).year
    seq = next_seq(session, prefix, year)
    number = format_number(prefix, year, seq)
    write(
        session,
        INSERT_RECEIPT,
        {
            "number": number,
            "prefix": prefix,
            "year": year,
            "seq": seq,
            "kind": "payment" if payment_id is not None else "refund",
            "payment_id": payment_id,
            "refund_id": refund_id,
            "desk": desk,
            "issued_at": issued,
            "print_count": 0,
        },
    )
    return number


def issue_receipt(session: Session, **kwargs: Any) -> Receipt:
    """`record_receipt`, returning the ORM row (for code that goes on to use it)."""
    number = record_receipt(session, **kwargs)
    return session.scalars(select(Receipt).where(Receipt.number == number)).one()
