"""Migrations: the migrated schema is the models' schema, on SQLite and PostgreSQL; upgrades
carry existing data along; several desks opening one PostgreSQL ledger at once is safe."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, select, text

from kiosk.ledger.database import Ledger, alembic_config, make_engine
from kiosk.ledger.models import Base, FeeComponent, Invoice, Student
from kiosk.ledger.search import count_invoices
from kiosk.ledger.search_index import not_search_index


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _differences(engine: Engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": not_search_index}
        )
        return compare_metadata(context, Base.metadata)


def _version(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(text("SELECT version_num FROM alembic_version")))


def test_head_is_the_money_path_migration():
    assert _head() == "0005"


def test_sqlite_schema_matches_models(tmp_path: Path):
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        assert _differences(ledger.engine) == []
        assert _version(ledger.engine) == [_head()]
    finally:
        ledger.close()


def test_postgresql_schema_matches_models(pg_url: str):
    ledger = Ledger.open(pg_url)
    try:
        assert _differences(ledger.engine) == []
        assert _version(ledger.engine) == [_head()]
    finally:
        ledger.close()


def test_comparison_would_notice_a_missing_column(tmp_path: Path):
    ledger = Ledger.open(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        with ledger.engine.begin() as conn:
            conn.execute(text("ALTER TABLE students DROP COLUMN programme"))
        assert any(d[0] == "add_column" for d in _differences(ledger.engine))
    finally:
        ledger.close()


def _upgrade(engine: Engine, revision: str) -> None:
    with engine.connect() as conn:
        command.upgrade(alembic_config(conn), revision)
        conn.commit()


def _seed_before_search(engine: Engine) -> None:
    """Rows written by a desk still on revision 0002 (no search index, no search_text)."""
    with engine.begin() as conn:
        sid = conn.execute(
            insert(Student)
            .values(
                number="S0000009",
                name="Zoë Müller",
                email="zoe@uni.example.edu",
                search_text="",
            )
            .returning(Student.id)
        ).scalar_one()
        iid = conn.execute(
            insert(Invoice)
            .values(
                number="INV-OLD-1",
                student_id=sid,
                currency="INR",
                issue_date=date(2026, 1, 1),
                due_date=date(2026, 2, 1),
            )
            .returning(Invoice.id)
        ).scalar_one()
        conn.execute(
            insert(FeeComponent).values(
                invoice_id=iid, name="Tuition", amount=100, priority=1, position=0
            )
        )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_indexes_existing_rows(backend, tmp_path: Path, request):
    url = (
        f"sqlite:///{tmp_path / 'old.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = make_engine(url)
    try:
        _upgrade(engine, "0002")
        _seed_before_search(engine)
    finally:
        engine.dispose()
    ledger = Ledger.open(url)  # a newer desk opens it: migrates on open
    try:
        with ledger.begin() as s:
            assert count_invoices(s, "zoe mull") == 1
            folded = s.scalar(select(Student.search_text))
        assert folded == "zoe muller s0000009 zoe@uni.example.edu"
    finally:
        ledger.close()


def test_search_migration_downgrades_and_upgrades(tmp_path: Path, make_invoice, ledger):
    make_invoice("INV-R-1", name="Ravi Shankar")
    with ledger.engine.connect() as conn:
        command.downgrade(alembic_config(conn), "0002")
        conn.commit()
        tables = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type='table'")))
    assert "invoice_fts" not in tables
    _upgrade(ledger.engine, "head")
    with ledger.begin() as s:
        assert count_invoices(s, "ravi shan") == 1


def test_concurrent_desks_migrate_postgresql_once(pg_url: str):
    """Four desks start at the same moment on a fresh database: every one opens it."""
    start = threading.Barrier(4)
    errors: list[BaseException] = []
    ledgers: list[Ledger] = []

    def desk() -> None:
        try:
            start.wait(30)
            ledgers.append(Ledger.open(pg_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=desk) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    try:
        assert errors == []
        assert len(ledgers) == 4
        assert _version(ledgers[0].engine) == [_head()]
        assert _differences(ledgers[0].engine) == []
    finally:
        for ledger in ledgers:
            ledger.close()


def test_reads_do_not_wait_for_a_writer(ledger, make_invoice):
    """A write transaction holds SQLite's write lock; Ledger.read still answers at once."""
    import time
    from datetime import date

    from sqlalchemy import func, select

    from kiosk.ledger.models import Invoice

    make_invoice("INV-READ-1")
    with ledger.begin() as writer:
        today = date.today()
        writer.add(
            Invoice(
                number="INV-READ-2", student_id=1, currency="INR", issue_date=today, due_date=today
            )
        )
        writer.flush()  # the write lock is held from here until commit
        started = time.monotonic()
        with ledger.read() as reader:
            assert reader.scalar(select(func.count()).select_from(Invoice)) == 1
        assert time.monotonic() - started < 1.0


def test_an_up_to_date_ledger_opens_without_running_alembic(tmp_path, monkeypatch):
    from kiosk.ledger import database

    url = f"sqlite:///{tmp_path / 'k.db'}"
    database.Ledger.open(url).close()  # creates and migrates

    def no_alembic(_engine):
        raise AssertionError("Alembic ran on a current schema")

    monkeypatch.setattr(database, "upgrade", no_alembic)
    database.Ledger.open(url).close()
    with pytest.raises(AssertionError, match="Alembic ran"):
        database.Ledger.open(f"sqlite:///{tmp_path / 'new.db'}")  # a new one still migrates
