"""Opening the ledger before Qt is even imported (no PySide6 here).

`python main.py` spends most of its start-up importing two big libraries: PySide6 for the
window and SQLAlchemy for the ledger. `start(ctx)` imports the ledger's libraries before Qt
(see `preimport`), then opens the ledger on a thread of its own while Qt starts; the
database worker waits for it (`wait`) before its first query.

When the ledger is SQLite and the home folder holds a current cache of the first page's
SQL (kiosk.ledger.first_page), SQLAlchemy is not imported at start at all: the thread reads
the first page and the invoice count with sqlite3, the list shows them
(`take_first_page`, `take_first_count`), and the ledger opens on the database worker
once the list is on screen (ui.app.build_window).
"""

from __future__ import annotations

import logging
import sys
import threading

log = logging.getLogger(__name__)

_done = threading.Event()
_started = False
PAGE = 200  # ui.invoice_model.PAGE: the first page's size
_fast = False  # the first page comes from the cached SQL (no SQLAlchemy before it)
_first: dict = {}  # ctx, rows, count: taken once each by the invoice model


def open_ledger(ctx):
    """ctx.ledger (Ledger.open skips Alembic when the schema is already current)."""
    return ctx.ledger


def warm(ctx) -> None:
    """The ledger, the search and Babel's locale data, ready before the first page."""
    open_ledger(ctx)
    import kiosk.ledger.search  # noqa: F401
    from kiosk.money import format_money

    format_money(0, str(ctx.settings.get("desk.currency")), str(ctx.settings.get("desk.locale")))
    save_first_page(ctx)


def save_first_page(ctx) -> None:
    """Keep the first page's SQL for the next start (SQLite ledgers)."""
    from kiosk.ledger import first_page

    if first_page.sqlite_path(ctx.db_url) is None:
        return
    try:
        with ctx.ledger.read() as s:
            first_page.save(ctx.home, s, PAGE)
    except Exception:
        log.warning("could not cache the first page's SQL", exc_info=True)


def _cached_query(ctx):
    from kiosk.ledger import first_page

    try:
        if first_page.sqlite_path(ctx.db_url) is None:
            return None
        return first_page.load(ctx.home, PAGE)
    except Exception:
        log.warning("could not read the first page's cached SQL", exc_info=True)
        return None


def _read_first_page(ctx, query) -> None:
    from kiosk.clock import desk_today
    from kiosk.ledger import first_page
    from kiosk.money import format_money

    path = first_page.sqlite_path(ctx.db_url)
    if path is None:  # _cached_query only answers for SQLite ledgers
        return
    result = first_page.run(path, query, desk_today(ctx.settings))
    if result is not None:
        _first.update(ctx=ctx, rows=result[0], count=result[1])
    format_money(0, str(ctx.settings.get("desk.currency")), str(ctx.settings.get("desk.locale")))


def fast_start() -> bool:
    """True when this start reads the first page with sqlite3 (the ledger opens later)."""
    return _fast


def take_first_page(ctx, limit: int):
    """The first page read at start (all invoices by number), once; else None."""
    if not _fast:
        return None
    _done.wait()
    if _first.get("ctx") is not ctx or limit != PAGE or "rows" not in _first:
        return None
    return _first.pop("rows")


def take_first_count(ctx):
    """The invoice count read with the first page, once; else None."""
    if not _fast:
        return None
    _done.wait()
    if _first.get("ctx") is not ctx or "count" not in _first:
        return None
    return _first.pop("count")


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
    global _started, _fast
    if _started:
        return
    _started = True
    query = _cached_query(ctx) if "PySide6.QtCore" not in sys.modules else None
    _fast = query is not None
    if query is not None:
        import babel.numbers  # noqa: F401  (small; SQLAlchemy loads after the first page)
    elif "PySide6.QtCore" not in sys.modules:
        preimport()

    def run() -> None:
        try:
            if query is not None:
                _read_first_page(ctx, query)
            else:
                warm(ctx)
        except Exception:  # the database worker opens it again and reports the error
            log.exception("opening the ledger (or reading the first page) early failed")
        finally:
            _done.set()

    threading.Thread(target=run, name="kiosk-early", daemon=True).start()


def wait() -> None:
    if _started:
        _done.wait()
