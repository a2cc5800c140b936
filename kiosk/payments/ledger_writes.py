"""The ledger reads and writes of the apply path, as prebuilt SQL statements.

Built once at import and executed with parameters, so the hot path pays neither
statement construction nor ORM flushes (the apply benchmark needs ≤ 0.5 ms an event);
its INSERTs and UPDATEs go through `write`, which runs SQLAlchemy's compiled SQL on the
transaction's DBAPI cursor.
Every function runs in the caller's session and transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from kiosk.ledger.counter_models import CounterSession
from kiosk.ledger.fastsql import dialect_insert, table, write
from kiosk.ledger.fastsql import run as run  # callers run this module's statements: db.run
from kiosk.ledger.models import (
    Allocation,
    FeeComponent,
    Invoice,
    Payment,
    PaymentAttempt,
    ProcessedEvent,
)
from kiosk.ledger.types import utcnow

ATTEMPTS_T, PAYMENTS_T, EVENTS_T = table(PaymentAttempt), table(Payment), table(ProcessedEvent)
A = ATTEMPTS_T.c
_ATTEMPT_COLUMNS = (
    PaymentAttempt.id,
    PaymentAttempt.public_id,
    PaymentAttempt.invoice_id,
    PaymentAttempt.channel,
    PaymentAttempt.status,
    PaymentAttempt.stripe_id,
    PaymentAttempt.stripe_session_id,
    PaymentAttempt.staff_user_id,
    PaymentAttempt.last_error,
    Invoice.number,
    Invoice.currency,
    PaymentAttempt.desk,
)
_ATTEMPTS = select(*_ATTEMPT_COLUMNS).join(Invoice, Invoice.id == PaymentAttempt.invoice_id)
ATTEMPT_BY_PUBLIC_ID = _ATTEMPTS.where(PaymentAttempt.public_id == bindparam("key"))
ATTEMPT_BY_STRIPE_ID = _ATTEMPTS.where(PaymentAttempt.stripe_id == bindparam("key"))
ATTEMPT_BY_SESSION_ID = _ATTEMPTS.where(PaymentAttempt.stripe_session_id == bindparam("key"))
INVOICE_BY_NUMBER = select(Invoice.id, Invoice.number, Invoice.currency).where(
    Invoice.number == bindparam("number")
)
PAYMENT_BY_INTENT = select(Payment.id, Payment.card_last4).where(
    Payment.stripe_payment_intent == bindparam("pi")
)
COMPONENTS_DUE = (
    select(
        FeeComponent.id,
        FeeComponent.amount,
        FeeComponent.priority,
        FeeComponent.due_date,
        FeeComponent.position,
        func.coalesce(func.sum(Allocation.amount), 0),
    )
    .outerjoin(Allocation, Allocation.component_id == FeeComponent.id)
    .where(FeeComponent.invoice_id == bindparam("invoice_id"))
    .group_by(FeeComponent.id)
)
LOCK_INVOICE = select(Invoice.id).where(Invoice.id == bindparam("invoice_id")).with_for_update()
_STATUS = {
    "status": bindparam("status"),
    "last_error": bindparam("reason"),
    "stripe_session_id": func.coalesce(A.stripe_session_id, bindparam("session_id")),
    "updated_at": bindparam("now"),
}
SET_STATUS_LIVE = update(ATTEMPTS_T).where(A.id == bindparam("aid")).values(_STATUS)
SET_STATUS_DONE = (
    update(ATTEMPTS_T).where(A.id == bindparam("aid")).values({**_STATUS, "live_invoice_id": None})
)
SET_CARD = (
    update(PAYMENTS_T)
    .where(PAYMENTS_T.c.id == bindparam("pid"))
    .values(card_brand=bindparam("brand"), card_last4=bindparam("last4"), method="card")
)
SET_CARD_IF_BLANK = SET_CARD.where(PAYMENTS_T.c.card_last4 == "")
SET_UPI_IF_BLANK = (
    update(PAYMENTS_T)
    .where(PAYMENTS_T.c.id == bindparam("pid"), PAYMENTS_T.c.upi_vpa == "")
    .values(method="upi", upi_vpa=bindparam("vpa"))
)
SET_PAYMENT_SESSION = (
    update(PAYMENTS_T)
    .where(PAYMENTS_T.c.id == bindparam("pid"))
    .where(PAYMENTS_T.c.stripe_session_id.is_(None))
    .values(stripe_session_id=bindparam("session_id"))
)
OPEN_COUNTER_SESSION = select(CounterSession.id).where(
    CounterSession.open_desk == bindparam("desk")
)
SET_FLAG = (
    update(PAYMENTS_T).where(PAYMENTS_T.c.id == bindparam("pid")).values(flag=bindparam("flag"))
)
SET_OUTCOME = (
    update(EVENTS_T)
    .where(EVENTS_T.c.event_id == bindparam("eid"))
    .values(outcome=bindparam("outcome"))
)
FORGET_EVENT = delete(EVENTS_T).where(EVENTS_T.c.event_id == bindparam("eid"))
INSERT_ALLOCATIONS = insert(table(Allocation))
_IGNORING: dict[tuple[str, str, tuple[str, ...], str], Any] = {}


@dataclass(frozen=True)
class AttemptRow:
    id: int
    public_id: str
    invoice_id: int
    channel: str
    status: str
    stripe_id: str | None
    stripe_session_id: str | None
    staff_user_id: int | None
    last_error: str
    invoice_number: str
    currency: str
    desk: str = ""

    @classmethod
    def of(cls, row: Row[*tuple[Any, ...]] | None) -> AttemptRow | None:
        return None if row is None else cls(*cast("tuple[Any, ...]", row))


def insert_ignore(
    session: Session, model: Any, row: dict[str, Any], keys: list[str], returning: str = ""
) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the returned value when the row is new,
    else None. The unique index decides, so two desks cannot both insert: on PostgreSQL
    the second waits for the first to commit, then does nothing."""
    dialect = session.get_bind().dialect.name
    column = returning or keys[0]
    cache_key = (dialect, model.__tablename__, tuple(keys), column)
    stmt = _IGNORING.get(cache_key)
    if stmt is None:
        stmt = (
            dialect_insert(session)(table(model))
            .on_conflict_do_nothing(index_elements=keys)
            .returning(table(model).c[column])
        )
        _IGNORING[cache_key] = stmt
    returned = write(session, stmt, row)
    return None if returned is None else returned[0]


def attempt(session: Session, stmt: Any, key: str | None) -> AttemptRow | None:
    if not key:
        return None
    return AttemptRow.of(run(session, stmt, {"key": key}).first())


def invoice(session: Session, number: str | None) -> Row[*tuple[Any, ...]] | None:
    if not number:
        return None
    return run(session, INVOICE_BY_NUMBER, {"number": number}).first()


def payment_by_intent(session: Session, pi_id: str) -> Row[*tuple[Any, ...]] | None:
    return run(session, PAYMENT_BY_INTENT, {"pi": pi_id}).first()


def lock_invoice(session: Session, invoice_id: int) -> None:
    """Row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers."""
    if session.get_bind().dialect.name == "postgresql":
        run(session, LOCK_INVOICE, {"invoice_id": invoice_id})


def components_due(session: Session, invoice_id: int) -> list[tuple[Any, ...]]:
    return cast(
        "list[tuple[Any, ...]]", list(run(session, COMPONENTS_DUE, {"invoice_id": invoice_id}))
    )


def add_allocations(
    session: Session, payment_id: int, parts: list[tuple[int, int]], refund_id: int | None = None
) -> None:
    if parts:
        now = utcnow()
        write(
            session,
            INSERT_ALLOCATIONS,
            [
                {
                    "payment_id": payment_id,
                    "component_id": cid,
                    "refund_id": refund_id,
                    "amount": amount,
                    "created_at": now,
                }
                for cid, amount in parts
                if amount
            ],
        )


def set_status(
    session: Session, row: AttemptRow, status: str, reason: str, session_id: str | None, live: bool
) -> None:
    stmt = SET_STATUS_LIVE if live else SET_STATUS_DONE
    params = {
        "aid": row.id,
        "status": status,
        "reason": reason,
        "session_id": session_id,
        "now": utcnow(),
    }
    write(session, stmt, params)
    # An ORM copy of the attempt in this session is now stale: reload it on next access.
    stale = session.identity_map.get(
        PaymentAttempt.__mapper__.identity_key_from_primary_key((row.id,))
    )
    if stale is not None:
        session.expire(stale)
