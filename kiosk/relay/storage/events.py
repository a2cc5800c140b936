"""Event storage: insert-or-ignore in batches, read by cursor, prune by age."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Select, delete, select

from kiosk.relay.storage.engine import is_sqlite
from kiosk.relay.storage.models import Event
from kiosk.relay.storage.paid import PaidStore, insert_paid, paid_rows

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
PAGE_BYTES = 4 * 1024 * 1024
FETCH_CHUNK = 50
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


def _unchanged(value: datetime) -> datetime:
    return value


class EventStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = is_sqlite(engine)
        self._mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        received_type = Event.__table__.c.received_at.type.dialect_impl(engine.dialect)
        bind = received_type.bind_processor(engine.dialect)
        self._bind_time: Callable[[datetime], Any] = bind or _unchanged
        self._sql: dict[int, str] = {}

    def insert_batch(self, items: Sequence[Incoming], conn: Connection | None = None) -> set[str]:
        """Insert in one transaction, ignoring known ids; return the ids actually inserted.

        This is the ingest hot path, so it speaks SQL to the driver directly (one multi-row
        INSERT ... ON CONFLICT DO NOTHING RETURNING, valid on SQLite and PostgreSQL); the
        group writer passes its own long-lived `conn`, saving a pool checkout per batch.
        """
        if conn is None:
            with self.engine.connect() as own:
                return self.insert_batch(items, own)
        paid = paid_rows(items)
        params: list[object] = []
        for i in items:
            params += (i.event_id, i.type, self._bind_time(i.received_at), i.payload)
        with conn.begin():
            cursor = conn.connection.cursor()
            try:
                if not self._sqlite:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (INSERT_LOCK,))
                cursor.execute(self._insert_sql(len(items)), params)
                inserted = {row[0] for row in cursor.fetchall()}
                if inserted and not self._sqlite:
                    cursor.execute("SELECT pg_notify(%s, '')", (NOTIFY_CHANNEL,))
            finally:
                cursor.close()
            insert_paid(conn, paid)  # a session noted before is left alone
        return inserted

    def _insert_sql(self, rows: int) -> str:
        if rows not in self._sql:
            row = "(" + ",".join([self._mark] * 4) + ")"
            self._sql[rows] = (
                f"INSERT INTO {Event.__tablename__} (event_id, type, received_at, payload) "
                f"VALUES {','.join([row] * rows)} "
                "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
            )
        return self._sql[rows]

    def fetch(
        self, after: int, limit: int, types: Sequence[str] = (), max_bytes: int = PAGE_BYTES
    ) -> list[StoredEvent]:
        """Up to `limit` events after cursor `after`, in cursor order.

        A page stops early, after at least one event, once its bodies pass `max_bytes`:
        a thousand 1 MiB events must not become one gigabyte in memory.
        """
        page: list[StoredEvent] = []
        size = 0
        with self.engine.connect() as conn:
            while len(page) < limit:
                want = min(limit - len(page), FETCH_CHUNK)
                chunk = [StoredEvent(*row) for row in conn.execute(self._page(after, want, types))]
                for event in chunk:
                    if page and size + len(event.payload) > max_bytes:
                        return page
                    page.append(event)
                    size += len(event.payload)
                if len(chunk) < want:
                    break
                after = chunk[-1].cursor
        return page

    @staticmethod
    def _page(
        after: int, limit: int, types: Sequence[str]
    ) -> Select[int, str, str, datetime, bytes]:
        stmt = select(*_COLUMNS).where(Event.cursor > after).order_by(Event.cursor).limit(limit)
        return stmt.where(Event.type.in_(types)) if types else stmt

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
                PaidStore(self.engine).prune(before)  # the confirmation pages go with them
                return total
