"""The desk's first page read with sqlite3 from cached SQL equals search_invoices' page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk.ledger import first_page
from kiosk.ledger.database import Ledger
from kiosk.ledger.demo_data import generate_bulk, load_demo_data
from kiosk.ledger.search import count_invoices, search_invoices

PAGE = 200


def _open(tmp_path: Path) -> Ledger:
    return Ledger.open(f"sqlite:///{tmp_path / 'kiosk.db'}")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Ledger]:
    ledger = _open(tmp_path)
    load_demo_data(ledger, students=60)
    yield ledger
    ledger.close()


@pytest.fixture
def big(tmp_path: Path) -> Iterator[Ledger]:
    ledger = _open(tmp_path)
    generate_bulk(ledger, 2_100)
    load_demo_data(ledger, students=30)
    yield ledger
    ledger.close()


def _cache(tmp_path: Path, ledger: Ledger) -> first_page.CachedQuery:
    with ledger.read() as s:
        assert first_page.save(tmp_path, s, PAGE)
    query = first_page.load(tmp_path, PAGE)
    assert query is not None
    return query


def _expected(ledger: Ledger, today: date) -> tuple[list, int]:
    with ledger.read() as s:
        rows = search_invoices(s, "", limit=PAGE, order_by="number", today=today)
        return rows, count_invoices(s, "", today=today)


def _days(ledger: Ledger) -> list[date]:
    """Today, and days that turn open invoices overdue (or not yet due)."""
    today = date.today()
    return [today, today - timedelta(days=400), today + timedelta(days=400)]


@pytest.mark.parametrize("name", ["demo", "big"])
def test_fast_first_page_is_search_invoices_page(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    ledger: Ledger = request.getfixturevalue(name)
    query = _cache(tmp_path, ledger)
    db = first_page.sqlite_path(str(ledger.engine.url))
    assert db is not None
    statuses: set[str] = set()
    for today in _days(ledger):
        expected_rows, expected_count = _expected(ledger, today)
        got = first_page.run(db, query, today)
        assert got is not None
        rows, count = got
        assert rows == expected_rows
        assert [type(v) for v in vars(rows[0]).values()] == [
            type(v) for v in vars(expected_rows[0]).values()
        ]
        assert count == expected_count
        statuses |= {r.status for r in rows}
    if name == "big":
        assert expected_count > 2_000 and len(rows) == PAGE
    assert len(statuses) >= 3  # the comparison covers several statuses, not one


def test_today_defaults_to_the_date(tmp_path: Path, demo: Ledger) -> None:
    query = _cache(tmp_path, demo)
    db = first_page.sqlite_path(str(demo.engine.url))
    assert db is not None
    assert first_page.run(db, query) == _expected(demo, date.today())
    assert {"today": True} in query.page_params


def test_saving_again_writes_only_a_change(tmp_path: Path, demo: Ledger) -> None:
    _cache(tmp_path, demo)
    with demo.read() as s:
        assert not first_page.save(tmp_path, s, PAGE)


def _edit(tmp_path: Path, **changes) -> None:
    path = tmp_path / first_page.CACHE_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_another_schema_revision_is_not_used(tmp_path: Path, demo: Ledger) -> None:
    _cache(tmp_path, demo)
    _edit(tmp_path, revision=["0000_older"])
    assert first_page.load(tmp_path, PAGE) is None


def test_a_new_migration_invalidates_the_cache(
    tmp_path: Path, demo: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cache(tmp_path, demo)
    monkeypatch.setattr(first_page, "head_revisions", lambda: frozenset({"0099_newer"}))
    first_page.fingerprint.cache_clear()
    try:
        assert first_page.load(tmp_path, PAGE) is None
    finally:
        monkeypatch.undo()
        first_page.fingerprint.cache_clear()
    assert first_page.load(tmp_path, PAGE) is not None


def test_changed_sql_is_not_used(tmp_path: Path, demo: Ledger) -> None:
    query = _cache(tmp_path, demo)
    _edit(tmp_path, page_sql=query.page_sql.replace("ASC", "DESC"))
    assert first_page.load(tmp_path, PAGE) is None


def test_changed_query_code_is_not_used(
    tmp_path: Path, demo: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SQL is built by kiosk.ledger.search & co.: other source, other fingerprint."""
    _cache(tmp_path, demo)
    _edit(tmp_path, fingerprint="0" * 64)
    assert first_page.load(tmp_path, PAGE) is None
    before = first_page.fingerprint()
    monkeypatch.setattr(first_page, "SOURCES", (*first_page.SOURCES[1:], "database.py"))
    first_page.fingerprint.cache_clear()
    try:
        assert first_page.fingerprint() != before
    finally:
        monkeypatch.undo()
        first_page.fingerprint.cache_clear()


def test_other_page_size_or_no_cache_is_not_used(tmp_path: Path, demo: Ledger) -> None:
    assert first_page.load(tmp_path, PAGE) is None
    _cache(tmp_path, demo)
    assert first_page.load(tmp_path, PAGE + 1) is None
    (tmp_path / first_page.CACHE_NAME).write_text("{not json", encoding="utf-8")
    assert first_page.load(tmp_path, PAGE) is None


def test_a_database_behind_the_newest_migration_is_not_read(tmp_path: Path, demo: Ledger) -> None:
    query = _cache(tmp_path, demo)
    with demo.begin() as s:
        s.connection().exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    db = first_page.sqlite_path(str(demo.engine.url))
    assert db is not None
    assert first_page.run(db, query) is None
    assert first_page.run(tmp_path / "missing.db", query) is None


def test_only_sqlite_files_qualify(tmp_path: Path) -> None:
    assert first_page.sqlite_path(f"sqlite:///{tmp_path / 'k.db'}") == tmp_path / "k.db"
    assert first_page.sqlite_path("sqlite:///:memory:") is None
    assert first_page.sqlite_path("postgresql+psycopg://u@h/kiosk") is None


def test_core_module_does_not_import_sqlalchemy() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import kiosk.ledger.first_page, kiosk.ledger.users; "
        "print('sqlalchemy' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "False"
