"""Ledger test fixtures: a ledger on SQLite or PostgreSQL, and CSV files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.ledger.database import Ledger
from tests.ledger.helpers import HEADER


@pytest.fixture(params=["sqlite", "postgresql"])
def any_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """The same test on SQLite (FTS5 search) and on PostgreSQL (fallback search)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'any.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    ledger = Ledger.open(url)
    yield ledger
    ledger.close()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """write_csv(row(...), row(...)) -> a file under the header; write_csv(b"...") raw bytes."""
    counter = iter(range(10**6))

    def write(*lines: str | bytes, header: str | None = HEADER) -> Path:
        path = tmp_path / f"file{next(counter)}.csv"
        if len(lines) == 1 and isinstance(lines[0], bytes):
            path.write_bytes(lines[0])
        else:
            text = "\n".join([*([header] if header is not None else []), *lines]) + "\n"
            path.write_text(text, encoding="utf-8")
        return path

    return write
