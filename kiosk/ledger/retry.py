"""Transient database errors: worth running the whole transaction again.

A PostgreSQL deadlock or serialization failure aborts one of the transactions involved
on purpose, and SQLite answers "database is locked" when another writer held the lock
past the busy timeout. Neither says anything about the data: the same work, run again
in a fresh transaction, succeeds. Anything else is an error in the data or the code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# serialization_failure, deadlock_detected, lock_not_available
_PG_TRANSIENT = {"40001", "40P01", "55P03"}
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "database is busy")


def is_transient(exc: BaseException) -> bool:
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _PG_TRANSIENT:
        return True
    text = str(orig).lower()
    return any(marker in text for marker in _SQLITE_TRANSIENT) or "deadlock" in text


TRIES = 5  # attempts at one unit of work before a transient error is raised after all


def retry_transient(
    work: Callable[[], T], *, tries: int = TRIES, base: float = 0.05, what: str = "ledger write"
) -> T:
    """Run `work` (one whole transaction) again after a transient database error, with
    jittered exponential backoff; after `tries` the last error is raised as it was."""

    def note(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        orig = getattr(exc, "orig", exc)
        log.info("%s hit a transient database error (%s); retrying", what, orig)

    retrying = Retrying(
        retry=retry_if_exception(is_transient),
        stop=stop_after_attempt(tries),
        wait=wait_random_exponential(multiplier=base, max=base * 2**tries),
        before_sleep=note,
        reraise=True,
    )
    return retrying(work)
