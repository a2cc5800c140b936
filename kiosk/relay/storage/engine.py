"""Engine creation: SQLite (default, tuned for a single busy writer) or PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.engine import URL, make_url

from kiosk.private_files import SQLITE_SIDECARS, private_file
from kiosk.relay.storage.models import Base

SCHEMA_LOCK = 0x6B696F736B01  # pg advisory lock key: "kiosk" + 1, for create_all


def normalise_url(raw: str) -> URL:
    """postgres:// and postgresql:// mean psycopg 3 here; a SQLite file gets its folder."""
    url = make_url(raw)
    if url.drivername in {"postgres", "postgresql"}:
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername.startswith("sqlite") and url.database in {None, "", ":memory:"}:
        raise ValueError("the relay needs a SQLite file (sqlite:///path/relay.db), not memory")
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def libpq_conninfo(url: URL) -> str:
    """The URL psycopg's own connect() takes, for the LISTEN connection."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_engine(raw_url: str) -> Engine:
    url = normalise_url(raw_url)
    if url.drivername.startswith("sqlite"):
        if sqlite3.sqlite_version_info < (3, 35):  # INSERT ... RETURNING
            raise RuntimeError(
                f"the relay needs SQLite 3.35 or newer, not {sqlite3.sqlite_version}"
            )
        path = Path(url.database or "").expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        private_file(path, SQLITE_SIDECARS)  # webhook payloads: owner-only, -wal/-shm too
        engine = create_engine(url, connect_args={"timeout": 10}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, hide_parameters=True
    )


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    # WAL + synchronous=NORMAL: a commit is in the WAL file before we answer 200, so it
    # survives the relay process crashing or being killed. It does NOT survive a power cut
    # or kernel crash (the WAL is not fsynced per commit); Stripe would not re-send those
    # events because they were acknowledged. Where that matters, use PostgreSQL.
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def create_schema(engine: Engine) -> None:
    """Create missing tables; on PostgreSQL several workers may race, so take a lock."""
    with engine.begin() as conn:
        if not is_sqlite(engine):
            conn.execute(select(func.pg_advisory_xact_lock(SCHEMA_LOCK)))
        Base.metadata.create_all(conn)
