"""The append-only audit log: who did what, when, from which desk.

Each entry carries `chain_hash`: SHA-256 over the previous entry's hash and the entry's own
fields in canonical JSON, so an entry edited, removed or reordered outside the app breaks
the chain from there on (`audit verify`, kiosk.ledger.audit_verify). Entries recorded in a
transaction are inserted at its commit, after the chain lock (PostgreSQL: an advisory
transaction lock; SQLite: the write lock every ledger transaction takes at BEGIN), so two
desks never chain onto the same entry and the lock is never held while other rows are
being written.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session, SessionTransaction

from kiosk.ledger.fastsql import table
from kiosk.ledger.models import AuditEntry
from kiosk.ledger.types import utcnow

INSERT_AUDIT = insert(table(AuditEntry))
CHAIN_LOCK = 727_014  # pg advisory lock id: one desk extends the chain at a time
_PENDING = "kiosk.audit_pending"
_LAST_HASH = text("SELECT chain_hash FROM audit_log ORDER BY id DESC LIMIT 1")
HASHED_FIELDS = ("at", "username", "desk", "action", "target", "details")


def entry_hash(previous: str, fields: dict[str, Any]) -> str:
    """The chain hash of one entry: its fields (canonical JSON) after the previous hash."""
    at: datetime = fields["at"]
    body = {name: fields[name] for name in HASHED_FIELDS if name != "at"}
    body["at"] = at.astimezone(UTC).isoformat(timespec="microseconds")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{previous}\n{canonical}".encode()).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    username: str = "",
    desk: str = "",
    target: str = "",
    **details: Any,
) -> None:
    """Add an entry to the caller's transaction (it commits with the change it explains)."""
    row = {
        "at": utcnow(),
        "username": username,
        "desk": desk,
        "action": action[:60],
        "target": target[:120],
        "details": json.dumps(details, default=str, sort_keys=True),
    }
    session.info.setdefault(_PENDING, []).append((_current(session), row))


def _current(session: Session) -> SessionTransaction:
    tx = session.get_nested_transaction() or session.get_transaction()
    if tx is None:  # autobegin, as any other write would
        session.connection()
        tx = session.get_transaction()
    assert tx is not None
    return tx


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    """At the outermost commit: take the chain lock, then insert the entries, chained."""
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return
    rows = [row for _tx, row in session.info.pop(_PENDING)]
    conn = session.connection()  # no autoflush: the commit's own flush follows as usual
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    previous = conn.execute(_LAST_HASH).scalar() or ""
    for row in rows:
        row["chain_hash"] = previous = entry_hash(previous, row)
    conn.execute(INSERT_AUDIT, rows)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """Entries recorded inside a transaction or savepoint that rolled back never happened."""
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [(tx, row) for tx, row in pending if not _within(tx, previous)]


def _within(tx: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while tx is not None:
        if tx is ancestor:
            return True
        tx = tx.parent
    return False


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (inserted) or rolled back / closed: done
        session.info.pop(_PENDING, None)
