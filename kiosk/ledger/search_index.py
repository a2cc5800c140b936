"""The search index: accent-folded text, and SQLite's FTS5 table kept by triggers.

Migration 0003 creates `invoice_fts` (one row per invoice: invoice number, student number
and its digits, name, email local part; tokenizer unicode61 with diacritics removed) and
the triggers that keep it in step with students and invoices. `students.search_text`, for
the fallback off SQLite, is kept by the ORM hook here (Core inserts set it themselves).
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterator
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from kiosk.ledger.models import Invoice, Student

MAX_WORDS = 12


def fold(text: str) -> str:
    """Lowercase, strip accents, collapse spaces: "  José  GARCÍA" -> "jose garcia"."""
    text = text or ""
    if not text.isprintable():  # control characters (NUL, tabs, newlines) become spaces
        text = "".join(c if c.isprintable() else " " for c in text)
    if text.isascii():
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def search_text(name: str, number: str, email: str) -> str:
    """The fallback search column's value for a student."""
    return fold(f"{name} {number} {email}")


@event.listens_for(Student, "before_insert")
@event.listens_for(Student, "before_update")
def _keep_search_text(_mapper: Any, _connection: Any, student: Student) -> None:
    student.search_text = search_text(student.name, student.number, student.email or "")


FTS_TABLE = "invoice_fts"
_FTS_TRIGGER = "invoice_fts_ai"


def not_search_index(
    _obj: Any, name: str | None, type_: str, reflected: bool, _compare_to: Any
) -> bool:
    """Alembic `include_object`: the FTS5 table and its shadow tables are not in the models."""
    return not (type_ == "table" and reflected and (name or "").startswith(FTS_TABLE))


_TRIGGER_ROW = "WHERE i.id = NEW.id; END"


def _bulk_index_sql(trigger: str) -> str:
    """The insert trigger's own INSERT ... SELECT (migration 0003 is the one definition),
    for every invoice from :first on instead of NEW.id."""
    body = trigger.split(" BEGIN ", 1)[1]
    if not body.endswith(_TRIGGER_ROW):
        raise RuntimeError("unexpected invoice_fts_ai trigger; see migration 0003")
    return body.removesuffix(_TRIGGER_ROW) + "WHERE i.id >= :first"


@contextlib.contextmanager
def bulk_indexing(session: Session) -> Iterator[None]:
    """Inserting many invoices in this transaction: index them in one statement at the end
    rather than one trigger call per row (about 7x faster). Off SQLite it does nothing.

    Only for inserts of new invoices; an error inside rolls the whole transaction back."""
    trigger = None
    if session.get_bind().dialect.name == "sqlite":
        trigger = session.scalar(
            sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
            {"n": _FTS_TRIGGER},
        )
    if trigger is None:  # another database, or already inside bulk_indexing
        yield
        return
    first = int(session.scalar(select(func.coalesce(func.max(Invoice.id), 0))) or 0) + 1
    session.execute(sql(f"DROP TRIGGER {_FTS_TRIGGER}"))
    yield
    session.execute(sql(_bulk_index_sql(trigger)), {"first": first})
    session.execute(sql(trigger))


def words(text: str) -> list[str]:
    """The folded words of a query; words without a letter or digit are dropped."""
    out = [w for w in fold(text).split() if any(c.isalnum() for c in w)]
    return out[:MAX_WORDS]


def fts_query(text: str) -> str:
    """An FTS5 query that treats every word as a quoted prefix phrase: `"jos"* "gar"*`.

    The index holds an email's local part only, so "asha.v@uni.edu" searches "asha.v"."""
    phrases = []
    for w in words(text):
        local = w.split("@", 1)[0] if "@" in w else w
        if any(c.isalnum() for c in local):
            phrases.append('"' + local.replace('"', '""') + '"*')
    return " ".join(phrases)
