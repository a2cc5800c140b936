"""Small ledger-wide state (the `ledger_state` table): read a value, write one in one statement."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.ledger.fastsql import dialect_insert
from kiosk.ledger.models import KeyValue


def get_value(session: Session, key: str) -> str | None:
    """The stored value (a query, not the identity map, so it sees put_value's writes)."""
    return session.scalar(select(KeyValue.value).where(KeyValue.key == key))


def put_value(session: Session, key: str, value: str) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE: two desks writing the same key for the first
    time at once (two first `reconcile` runs on PostgreSQL) both succeed, the later commit
    winning, where a read-then-insert made the second fail on ledger_state_pkey."""
    insert = dialect_insert(session)(KeyValue).values(key=key, value=value)
    session.execute(
        insert.on_conflict_do_update(
            index_elements=[KeyValue.key], set_={"value": insert.excluded.value}
        )
    )
