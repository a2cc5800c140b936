"""retry_transient: a transient database error runs the whole transaction again; any other
error, or the last of too many, is raised as it was."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError

from kiosk.ledger.retry import is_transient, retry_transient


def _locked() -> DBAPIError:
    return DBAPIError(
        "UPDATE receipt_counters …", {}, sqlite3.OperationalError("database is locked")
    )


def _broken() -> DBAPIError:
    return DBAPIError("INSERT …", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))


def test_a_locked_database_is_tried_again_until_it_works():
    calls = []

    def work() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _locked()
        return "done"

    assert retry_transient(work, base=0.001) == "done"
    assert len(calls) == 3


def test_an_error_in_the_data_is_raised_at_once():
    calls = []

    def work() -> None:
        calls.append(1)
        raise _broken()

    with pytest.raises(DBAPIError, match="UNIQUE constraint failed"):
        retry_transient(work, base=0.001)
    assert len(calls) == 1
    assert not is_transient(_broken()) and is_transient(_locked())


def test_after_the_last_try_the_transient_error_itself_is_raised():
    calls = []

    def work() -> None:
        calls.append(1)
        raise _locked()

    with pytest.raises(DBAPIError, match="database is locked"):
        retry_transient(work, tries=4, base=0.001)
    assert len(calls) == 4


def test_a_plain_exception_is_not_retried():
    calls = []

    def work() -> None:
        calls.append(1)
        raise ValueError("bad amount")

    with pytest.raises(ValueError):
        retry_transient(work, base=0.001)
    assert len(calls) == 1
