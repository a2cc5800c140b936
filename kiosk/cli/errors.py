"""Errors a command reports as one line on stderr (exit 1), or as a usage error (exit 2)."""

from __future__ import annotations

import errno

from kiosk.errors import CommandError, UsageError

__all__ = ["EX_CANTWRITE", "CommandError", "UsageError", "describe_failure"]


EX_CANTWRITE = 74  # the home folder or the ledger can't be written (read-only, full)
_CANT_WRITE = {errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT}
_DB_CANT_WRITE = (
    "readonly",
    "read-only",
    "disk is full",
    "disk full",
    "no space",
    "unable to open",
)


def describe_failure(exc: BaseException) -> tuple[str, int]:
    """One line and an exit code for an unexpected failure: no traceback, and no SQL or row
    values (a database error's message is the driver's first line only)."""
    from kiosk.ledger.database import LedgerMissing

    if isinstance(exc, LedgerMissing):
        return str(exc), 1
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        reason = exc.strerror or type(exc).__name__
        code = EX_CANTWRITE if exc.errno in _CANT_WRITE else 1
        return f"can't use{where}: {reason}", code
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    if isinstance(exc, DBAPIError):
        first = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0]
        if any(mark in first.lower() for mark in _DB_CANT_WRITE):
            return (
                f"the ledger can't be written: {first} (is the home folder read-only or full?)",
                EX_CANTWRITE,
            )
        return f"ledger error: {first}", 1
    if isinstance(exc, SQLAlchemyError):
        return f"ledger error: {type(exc).__name__}", 1
    return f"{type(exc).__name__}: {exc}", 1
