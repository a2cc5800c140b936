"""Opening the ledger: engine, sessions, and automatic Alembic migrations.

ledger = Ledger.open("sqlite:///kiosk.db")
with ledger.begin() as s:      # one session per unit of work, committed on exit
    ...
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

import kiosk.ledger.counter_models  # noqa: F401  (its tables join the models' metadata)
from kiosk.ledger.revisions import head_revisions

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 727_001  # advisory lock id: one desk migrates at a time
READ_ONLY = "kiosk_read_only"

if TYPE_CHECKING:
    from alembic.config import Config


class LedgerMissing(FileNotFoundError):
    """A command that only uses a ledger found none (or an empty file) where it looked."""


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.close()


def make_engine(url: str) -> Engine:
    # hide_parameters: an error message or log line never carries the row's values.
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 15}, hide_parameters=True
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        # SQLite: take the write lock at BEGIN, so concurrent writers queue instead of
        # failing on lock upgrade (pysqlite's deferred BEGIN breaks this otherwise).
        @event.listens_for(engine, "connect")
        def _no_autobegin(
            dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry
        ) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Connection) -> None:
            # Readers (Ledger.read) begin deferred: in WAL mode they never wait for a writer.
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


def prepare_sqlite_file(path: Path, create: bool) -> None:
    """Make sure the ledger file is there (or refuse), readable by its owner only."""
    from kiosk.private_files import SQLITE_SIDECARS, private_file

    if not create and (not path.is_file() or path.stat().st_size == 0):
        state = "is empty" if path.is_file() else "does not exist"
        raise LedgerMissing(
            f"no ledger at {path} (the file {state}); create one with `users add`, "
            "`import-csv` or `demo-data`, or point --home / --db at the right one"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    private_file(path, SQLITE_SIDECARS)


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration. Safe to call from several desks at once."""
    from alembic import command

    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            conn.commit()
        try:
            command.upgrade(alembic_config(conn), "head")
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()


def schema_is_current(engine: Engine) -> bool:
    """True when the database already has the newest migration. Checking costs one query;
    running Alembic to find out costs a few hundred milliseconds on every start."""
    try:
        with engine.connect() as conn:
            found = {
                row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))
            }
    except Exception:  # no table yet, or no database: let Alembic decide
        return False
    return len(head_revisions()) == 1 and found == head_revisions()


class Ledger:
    """The ledger database: one engine and one sessionmaker, shared by the process."""

    def __init__(self, engine: Engine) -> None:
        import kiosk.ledger.search_index  # noqa: F401  (its ORM hook keeps students.search_text)

        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self._readers = sessionmaker(
            engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    @classmethod
    def open(cls, url: str, migrate: bool = True, create: bool = True) -> Ledger:
        """Open (and migrate) the ledger. With create=False a missing or empty SQLite file
        raises LedgerMissing instead of becoming a new, empty ledger."""
        from kiosk.ledger.first_page import sqlite_path

        path = sqlite_path(url)
        if path is not None:
            prepare_sqlite_file(path, create)
        engine = make_engine(url)
        if migrate and not schema_is_current(engine):
            upgrade(engine)
        ledger = cls(engine)
        if migrate:
            from kiosk.ledger.audit_guard import restore

            restore(ledger)
        return ledger

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def begin(self) -> Iterator[Session]:
        """A session in a transaction: committed on clean exit, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only. On SQLite it does not take the write lock, so a
        screen's queries never queue behind an import or a payment being written."""
        with self._readers.begin() as session:
            yield session

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()
