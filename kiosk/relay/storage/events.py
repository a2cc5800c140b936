"""Event storage: insert-or-ignore in batches, read by cursor, prune by age."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.relay.storage.engine import is_sqlite
from kiosk.relay.storage.models import Event

NOTIFY_CHANNEL = "fee_kiosk_relay_events"
# Inserts on PostgreSQL take this transaction-level advisory lock. Sequence values are
# handed out at INSERT time but become visible at COMMIT, so two concurrent writers could
# commit cursor 8 before cursor 7 and a reader polling "after=6" in between would get 8,
# move its cursor past 7, and never see 7. With every insert transaction serialised by the
# lock (held from before nextval() until after the commit is visible), cursors become
# visible strictly in order. The cost is one lock per batch: each worker already groups
# its inserts into one transaction, so throughput stays bounded by commits, not requests.
# SQLite needs nothing: it allows a single writer at a time.
INSERT_LOCK = 0x6B696F736B02
_COLUMNS = (Event.cursor, Event.event_id, Event.type, Event.received_at, Event.payload)


@dataclass(frozen=True)
class Incoming:
    event_id: str
    type: str
    received_at: datetime
    payload: bytes


@dataclass(frozen=True)
class StoredEvent:
    cursor: int
    event_id: str
    type: str
    received_at: datetime
    payload: bytes


class EventStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert = sqlite.insert if is_sqlite(engine) else postgresql.insert

    def insert_batch(self, items: Sequence[Incoming]) -> set[str]:
        """Insert in one transaction, ignoring known ids; return the ids actually inserted."""
        rows = [
            {
                "event_id": i.event_id,
                "type": i.type,
                "received_at": i.received_at,
                "payload": i.payload,
            }
            for i in items
        ]
        stmt = (
            self._insert(Event)
            .on_conflict_do_nothing(index_elements=[Event.event_id])
            .returning(Event.event_id)
        )
        with self.engine.begin() as conn:
            if not is_sqlite(self.engine):
                conn.execute(select(func.pg_advisory_xact_lock(INSERT_LOCK)))
            inserted = set(conn.scalars(stmt, rows).all())
            if inserted and not is_sqlite(self.engine):
                conn.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))
        return inserted

    def fetch(self, after: int, limit: int, types: Sequence[str] = ()) -> list[StoredEvent]:
        stmt = select(*_COLUMNS).where(Event.cursor > after).order_by(Event.cursor).limit(limit)
        if types:
            stmt = stmt.where(Event.type.in_(types))
        with self.engine.connect() as conn:
            return [StoredEvent(*row) for row in conn.execute(stmt)]

    def last_received_at(self) -> datetime | None:
        stmt = select(Event.received_at).order_by(Event.cursor.desc()).limit(1)
        with self.engine.connect() as conn:
            return conn.scalar(stmt)

    def prune(self, before: datetime, chunk: int = 5000) -> int:
        """Delete events received before `before`, in chunks so writers are not starved."""
        total = 0
        while True:
            oldest = select(Event.cursor).where(Event.received_at < before).limit(chunk)
            with self.engine.begin() as conn:
                n = conn.execute(delete(Event).where(Event.cursor.in_(oldest))).rowcount
            total += n
            if n < chunk:
                return total
