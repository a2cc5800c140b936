"""Inserting many rows at once (imports, bulk benchmark data), returning their ids.

SQLite: ids are assigned here (max + 1 onwards) and rows go in one executemany; this is safe
because a ledger write transaction holds SQLite's write lock from BEGIN IMMEDIATE.
Elsewhere the database assigns them and INSERT ... RETURNING hands them back in order.
Core inserts skip ORM events, so callers fill every column themselves (search_text too).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

CHUNK = 500  # rows per IN (...) list or per insert batch


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert `rows` into `model`'s table; their new ids, in the same order."""
    if not rows:
        return []
    table = model.__table__
    if session.get_bind().dialect.name == "sqlite":
        start = int(session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
        ids = list(range(start, start + len(rows)))
        session.execute(insert(table), [{**r, "id": i} for r, i in zip(rows, ids, strict=True)])
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.scalars(statement, rows))


def chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """`items` in slices of `size` (IN lists stay under the databases' parameter limits)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]
