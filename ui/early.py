"""Opening the ledger before Qt is even imported (no PySide6 here).

`python main.py` spends most of its start-up importing two big libraries: PySide6 for the
window and SQLAlchemy for the ledger. `start(ctx)` imports the ledger's libraries before Qt
(see `preimport`), then opens the ledger on a thread of its own while Qt starts; the
database worker waits for it (`wait`) before its first query.
"""

from __future__ import annotations

import logging
import sys
import threading

log = logging.getLogger(__name__)

_done = threading.Event()
_started = False


def open_ledger(ctx):
    """ctx.ledger (Ledger.open skips Alembic when the schema is already current)."""
    return ctx.ledger


def warm(ctx) -> None:
    """The ledger, the search and Babel's locale data, ready before the first page."""
    open_ledger(ctx)
    import kiosk.ledger.search  # noqa: F401
    from kiosk.money import format_money

    format_money(0, str(ctx.settings.get("desk.currency")), str(ctx.settings.get("desk.locale")))


def preimport() -> None:
    """Import the ledger's libraries before PySide6 is imported. Once QtCore is loaded,
    PySide6 inspects the source of every Python module imported afterwards (its
    `__feature__` import hook), which multiplies the cost of SQLAlchemy's hundreds of
    modules; imported first, they do not pay it."""
    import babel.numbers  # noqa: F401
    import sqlalchemy.dialects.sqlite  # noqa: F401

    import kiosk.ledger.database
    import kiosk.ledger.invoices
    import kiosk.ledger.search  # noqa: F401


def start(ctx) -> None:
    """Pre-import the ledger's libraries, then open the ledger on a thread of its own."""
    global _started
    if _started:
        return
    _started = True
    if "PySide6.QtCore" not in sys.modules:
        preimport()

    def run() -> None:
        try:
            warm(ctx)
        except Exception:  # the database worker opens it again and reports the error
            log.exception("opening the ledger early failed")
        finally:
            _done.set()

    threading.Thread(target=run, name="kiosk-early", daemon=True).start()


def wait() -> None:
    if _started:
        _done.wait()
