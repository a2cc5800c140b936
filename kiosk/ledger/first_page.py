"""The desk's first page of invoices without SQLAlchemy: cached SQL run with sqlite3.

Importing SQLAlchemy and the models is most of the desk's start-up. The first page it
shows is always the same query: every invoice, by number, `PAGE` rows, plus the count.
After a normal start (`save`, SQLAlchemy loaded) the desk keeps that query's compiled
SQLite text in its home folder; on the next start `load` checks it still belongs to this
code (the newest migration and a hash of the modules that build the query) and `run`
executes it with the stdlib sqlite3 module, which imports in a few milliseconds. The
rows are the same `InvoiceRow`s `search_invoices` returns; `today` stays a parameter.
Anything unexpected (no cache, another version, a schema that is not current, a
PostgreSQL ledger) means None: the caller takes the normal path.

Nothing here imports SQLAlchemy except `save` / `build`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.ledger.revisions import head_revisions
from kiosk.ledger.views import InvoiceRow

log = logging.getLogger(__name__)

CACHE_NAME = "first_page.json"
FORMAT = 1
_HERE = Path(__file__).parent
# The modules whose code shapes the first page's SQL or its rows.
SOURCES = (
    "first_page.py",
    "search.py",
    "invoices.py",
    "models.py",
    "search_index.py",
    "sort_keys.py",
    "status.py",
    "views.py",
)
_SENTINEL_DAY = date(1901, 2, 3)  # stands for `today` while compiling


@functools.cache
def fingerprint() -> str:
    """The newest migration and the source of the modules behind the query."""
    h = hashlib.sha256()
    h.update(",".join(sorted(head_revisions())).encode())
    for name in SOURCES:
        h.update(b"\0" + name.encode() + b"\0")
        h.update((_HERE / name).read_bytes())
    return h.hexdigest()


def sqlite_path(db_url: str) -> Path | None:
    """The database file of a SQLite ledger URL; None for anything else."""
    prefix = "sqlite:///"
    if not db_url.startswith(prefix) or "?" in db_url:
        return None
    path = db_url.removeprefix(prefix)
    if not path or path.startswith(":memory:"):
        return None
    return Path(path)


def _sql_hash(page_sql: str, count_sql: str) -> str:
    return hashlib.sha256(f"{page_sql}\0{count_sql}".encode()).hexdigest()


@dataclass(frozen=True)
class CachedQuery:
    limit: int
    page_sql: str
    page_params: list[Any]  # {"today": true} marks today's date
    count_sql: str
    count_params: list[Any]
    date_columns: list[int]

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "revision": sorted(head_revisions()),
            "fingerprint": fingerprint(),
            "limit": self.limit,
            "page_sql": self.page_sql,
            "page_params": self.page_params,
            "count_sql": self.count_sql,
            "count_params": self.count_params,
            "date_columns": self.date_columns,
            "sql_sha256": _sql_hash(self.page_sql, self.count_sql),
        }


# -- after a normal start (SQLAlchemy loaded) ---------------------------------------------


def _compiled(stmt: Any, dialect: Any) -> tuple[str, list[Any]]:
    compiled = stmt.compile(dialect=dialect)
    if not compiled.positional:
        raise ValueError("expected positional parameters")
    params: list[Any] = []
    for name in compiled.positiontup or []:
        bind = compiled.binds[name]
        value = compiled.params[name]
        if bind.expanding or bind.callable is not None:
            raise ValueError(f"cannot cache parameter {name!r}")
        if value == _SENTINEL_DAY:
            params.append({"today": True})
            continue
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None and value is not None:
            value = process(value)
        if not isinstance(value, (int, str, float)) and value is not None:
            raise ValueError(f"cannot cache parameter {name!r} = {value!r}")
        params.append(value)
    return compiled.string, params


def build(session: Any, limit: int) -> CachedQuery:
    """The first page's SQL (all invoices by number, `limit` rows) and the count's SQL,
    compiled by SQLAlchemy for this session's SQLite dialect."""
    from sqlalchemy import Date

    from kiosk.ledger.invoices import summary_select
    from kiosk.ledger.models import Invoice
    from kiosk.ledger.search import count_select, ids_select

    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        raise ValueError("only SQLite ledgers have a cached first page")
    today = _SENTINEL_DAY
    ids = ids_select(session, "", None, limit, 0, "number", False, today)
    page = summary_select(today).where(Invoice.id.in_(ids)).order_by(Invoice.number.asc())
    page_sql, page_params = _compiled(page, dialect)
    count_sql, count_params = _compiled(count_select(session, "", None, today), dialect)
    dates = [i for i, c in enumerate(page.selected_columns) if isinstance(c.type, Date)]
    to_sql = Date().dialect_impl(dialect).bind_processor(dialect)
    if to_sql is None or to_sql(today) != today.isoformat():
        raise ValueError("SQLite dates are not ISO strings")
    return CachedQuery(limit, page_sql, page_params, count_sql, count_params, dates)


def save(home: Path, session: Any, limit: int) -> bool:
    """Write (atomically) the cache for the next start, when it differs. True if written."""
    from kiosk.atomic import write_text

    text = json.dumps(build(session, limit).to_json(), indent=1, sort_keys=True)
    path = home / CACHE_NAME
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    write_text(path, text)
    return True


# -- at start-up (no SQLAlchemy) ------------------------------------------------------------


def load(home: Path, limit: int) -> CachedQuery | None:
    """The cached query if it belongs to this code and this page size, else None."""
    try:
        data = json.loads((home / CACHE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        if (
            data["format"] != FORMAT
            or data["revision"] != sorted(head_revisions())
            or data["fingerprint"] != fingerprint()
            or data["limit"] != limit
            or data["sql_sha256"] != _sql_hash(data["page_sql"], data["count_sql"])
        ):
            return None
        return CachedQuery(
            limit,
            str(data["page_sql"]),
            list(data["page_params"]),
            str(data["count_sql"]),
            list(data["count_params"]),
            [int(i) for i in data["date_columns"]],
        )
    except (KeyError, TypeError, ValueError):
        return None


def _args(params: list[Any], today: date) -> tuple[Any, ...]:
    return tuple(today.isoformat() if isinstance(p, dict) else p for p in params)


def _day(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def run(
    db: Path, query: CachedQuery, today: date | None = None
) -> tuple[list[InvoiceRow], int] | None:
    """The first page and the invoice count, read in one snapshot with sqlite3; None when
    the database is missing or its schema is not the newest migration."""
    if not db.is_file():
        return None
    today = today or date.today()
    conn = sqlite3.connect(db, timeout=15, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("BEGIN")
        try:
            found = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
        except sqlite3.Error:
            return None
        if len(head_revisions()) != 1 or found != head_revisions():
            return None
        raw = conn.execute(query.page_sql, _args(query.page_params, today)).fetchall()
        count = conn.execute(query.count_sql, _args(query.count_params, today)).fetchone()[0]
        conn.execute("COMMIT")
    finally:
        conn.close()
    dates = set(query.date_columns)
    rows = []
    for r in raw:
        r = [_day(v) if i in dates else v for i, v in enumerate(r)]
        rows.append(InvoiceRow.from_row(r))
    return rows, int(count or 0)
