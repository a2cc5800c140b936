"""The ledger reads and writes of the apply path, as prebuilt SQL statements.

Built once at import and executed with parameters, so the hot path pays neither
statement construction nor ORM flushes (the apply benchmark needs ≤ 0.5 ms an event);
its INSERTs and UPDATEs go through `write`, which runs SQLAlchemy's compiled SQL on the
transaction's DBAPI cursor.
Every function runs in the caller's session and transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from kiosk.ledger.models import (
    Allocation,
    AuditEntry,
    FeeComponent,
    Invoice,
    Payment,
    PaymentAttempt,
    ProcessedEvent,
    Receipt,
    ReceiptCounter,
)
from kiosk.ledger.types import utcnow
from kiosk.receipts.numbering import format_number


def _table(model: Any) -> Table:
    return cast(Table, model.__table__)


ATTEMPTS_T, PAYMENTS_T, EVENTS_T = _table(PaymentAttempt), _table(Payment), _table(ProcessedEvent)
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
    .values(card_brand=bindparam("brand"), card_last4=bindparam("last4"))
)
SET_PAYMENT_SESSION = (
    update(PAYMENTS_T)
    .where(PAYMENTS_T.c.id == bindparam("pid"))
    .where(PAYMENTS_T.c.stripe_session_id.is_(None))
    .values(stripe_session_id=bindparam("session_id"))
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
INSERT_ALLOCATIONS = insert(_table(Allocation))
INSERT_AUDIT = insert(_table(AuditEntry))
INSERT_RECEIPT = insert(_table(Receipt))
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

    @classmethod
    def of(cls, row: Row | None) -> AttemptRow | None:
        return None if row is None else cls(*row)


class _Compiled:
    """One statement compiled for one dialect and one set of parameter names."""

    def __init__(self, stmt: Any, dialect: Any, keys: tuple[str, ...]) -> None:
        compiled = stmt.compile(dialect=dialect, column_keys=list(keys))
        self.sql = compiled.string
        self.positional = bool(compiled.positional)
        self.names = list(compiled.positiontup or []) if self.positional else list(compiled.binds)
        # A bind we do not supply is a literal (values(last_value=1)): use its value. One
        # that SQLAlchemy computes per execution (a column default) needs its executor.
        computed = {c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)}
        self.fixed: dict[str, Any] = {}
        self.complete = True
        for name in self.names:
            bind = compiled.binds[name]
            if name in keys:
                continue
            if name in computed or bind.callable is not None or bind.required:
                self.complete = False
            else:
                self.fixed[name] = bind.value
        self.processors = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }

    def args(self, params: dict[str, Any]) -> Any:
        values = {}
        for name in self.names:
            value = params[name] if name in params else self.fixed[name]
            process = self.processors.get(name)
            values[name] = process(value) if process is not None and value is not None else value
        return tuple(values[n] for n in self.names) if self.positional else values


_COMPILED: dict[tuple[int, str, tuple[str, ...]], _Compiled] = {}


def write(session: Session, stmt: Any, params: dict[str, Any] | list[dict[str, Any]]) -> Any:
    """Run an INSERT/UPDATE on the transaction's DBAPI cursor: SQL compiled once by
    SQLAlchemy for the dialect, values through SQLAlchemy's own bind processors. The hot
    path's statements skip the executor's per-call bookkeeping (~35 µs each). Returns the
    first row of a RETURNING clause, else None."""
    rows = params if isinstance(params, list) else [params]
    if not rows:
        return None
    conn = _connection(session)
    dialect = conn.dialect
    keys = tuple(sorted(rows[0]))
    key = (id(stmt), dialect.name, keys)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = _Compiled(stmt, dialect, keys)
    if not compiled.complete:
        result = conn.execute(stmt, params)
        return result.first() if result.returns_rows else None
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        if len(rows) > 1:
            cursor.executemany(compiled.sql, [compiled.args(r) for r in rows])
            return None
        cursor.execute(compiled.sql, compiled.args(rows[0]))
        return cursor.fetchone() if cursor.description else None
    finally:
        cursor.close()


def _connection(session: Session) -> Any:
    if session.new or session.dirty or session.deleted:
        session.flush()
    info, tx = session.info, session.get_transaction()
    if info.get("kiosk.tx") is not tx:  # the connection is fixed for one transaction
        info["kiosk.tx"], info["kiosk.conn"] = tx, session.connection()
    return info["kiosk.conn"]


def run(session: Session, stmt: Any, params: Any = None) -> Any:
    """Execute on the session's connection, after flushing pending ORM changes."""
    return _connection(session).execute(stmt, params)


def _dialect_insert(session: Session) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def next_receipt_seq(session: Session, prefix: str, year: int) -> int:
    """kiosk.receipts.numbering.next_seq's upsert, prebuilt: the same counter row, bumped
    in the caller's transaction (its row lock queues other desks until commit)."""
    key = (session.get_bind().dialect.name, "receipt_counters", ("prefix", "year"), "bump")
    stmt = _IGNORING.get(key)
    if stmt is None:
        table = _table(ReceiptCounter)
        stmt = (
            _dialect_insert(session)(table)
            .values(prefix=bindparam("prefix"), year=bindparam("year"), last_value=1)
            .on_conflict_do_update(
                index_elements=["prefix", "year"], set_={"last_value": table.c.last_value + 1}
            )
            .returning(table.c.last_value)
        )
        _IGNORING[key] = stmt
    return int(write(session, stmt, {"prefix": prefix, "year": year})[0])


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
            _dialect_insert(session)(_table(model))
            .on_conflict_do_nothing(index_elements=keys)
            .returning(_table(model).c[column])
        )
        _IGNORING[cache_key] = stmt
    returned = write(session, stmt, row)
    return None if returned is None else returned[0]


def attempt(session: Session, stmt: Any, key: str | None) -> AttemptRow | None:
    if not key:
        return None
    return AttemptRow.of(run(session, stmt, {"key": key}).first())


def invoice(session: Session, number: str | None) -> Row | None:
    if not number:
        return None
    return run(session, INVOICE_BY_NUMBER, {"number": number}).first()


def payment_by_intent(session: Session, pi_id: str) -> Row | None:
    return run(session, PAYMENT_BY_INTENT, {"pi": pi_id}).first()


def lock_invoice(session: Session, invoice_id: int) -> None:
    """Row lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers."""
    if session.get_bind().dialect.name == "postgresql":
        run(session, LOCK_INVOICE, {"invoice_id": invoice_id})


def components_due(session: Session, invoice_id: int) -> list[Row]:
    return list(run(session, COMPONENTS_DUE, {"invoice_id": invoice_id}))


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


def audit(
    session: Session, action: str, *, desk: str, target: str, username: str = "", **details: Any
) -> None:
    """The audit entry, as kiosk.ledger.audit.record writes it, without an ORM flush."""
    write(
        session,
        INSERT_AUDIT,
        {
            "at": utcnow(),
            "username": username,
            "desk": desk,
            "action": action,
            "target": target[:120],
            "details": json.dumps(details, default=str, sort_keys=True),
        },
    )


def issue_receipt(
    session: Session,
    *,
    prefix: str,
    timezone: str,
    desk: str,
    payment_id: int | None = None,
    refund_id: int | None = None,
    now: datetime | None = None,
) -> str:
    """The numbered receipt row ("receipt due"), as kiosk.receipts.numbering.issue_receipt
    makes it (same counter, same number format), without an ORM flush. Returns the number.
    The unique payment_id / refund_id makes it exactly-once."""
    from zoneinfo import ZoneInfo

    issued = now or utcnow()
    year = issued.astimezone(ZoneInfo(timezone)).year
    seq = next_receipt_seq(session, prefix, year)
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
