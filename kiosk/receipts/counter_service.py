"""The counter as the desk's screens use it, one call per action, each its own transaction
(they run on a worker thread, never on the GUI thread).

    state = counter_state(ctx)                         # None, or the session's figures
    number = open_counter(ctx, 500_000, user)
    closed = close_counter(ctx, count, user, approver=sup, reason="change given twice")
    path = session_report_file(ctx, closed["session"])  # the A4 (or roll) PDF, in the home
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kiosk.context import Context
from kiosk.ledger.cash_count import CashCount, notes_for
from kiosk.ledger.counter import CloseRequest, by_number, close_session, open_for, open_session
from kiosk.ledger.counter_figures import session_figures, session_json
from kiosk.ledger.users import StaffUser
from kiosk.private_files import private_dir


def blind(ctx: Context) -> bool:
    return bool(ctx.settings.get("counter.blind_close"))


def desk_notes(ctx: Context, currency: str) -> tuple[int, ...]:
    """The notes the close counts for `currency` (counter.denominations, else the default)."""
    return notes_for(currency, str(ctx.settings.get("counter.denominations") or ""))


def counter_state(ctx: Context) -> dict[str, Any] | None:
    """This desk's open session as `counter status --json` gives it, or None."""
    with ctx.ledger.read() as s:
        row = open_for(s, ctx.desk)
        if row is None:
            return None
        return session_json(s, row, session_figures(s, row), blind=blind(ctx))


def open_counter(ctx: Context, float_minor: int, user: StaffUser) -> str:
    currency = str(ctx.settings.get("desk.currency"))
    with ctx.ledger.begin() as s:
        return open_session(
            s, desk=ctx.desk, currency=currency, float_minor=float_minor, user=user
        ).number


def expected_cash(ctx: Context) -> int | None:
    """What the drawer should hold now (for the close screen after the count is in)."""
    with ctx.ledger.read() as s:
        row = open_for(s, ctx.desk)
        return session_figures(s, row).expected_cash if row is not None else None


def close_counter(
    ctx: Context,
    count: CashCount,
    closer: StaffUser,
    approver: StaffUser | None = None,
    reason: str = "",
) -> dict[str, Any]:
    """Close the desk's session with the count (CounterError, nothing written, when the
    rules refuse it); returns the closed session's figures."""
    request = CloseRequest(
        count, closer, approver, reason, str(ctx.settings.get("desk.locale")), blind(ctx)
    )
    with ctx.ledger.begin() as s:
        row = close_session(s, ctx.desk, request)
        number = row.number
    with ctx.ledger.read() as s:
        row = by_number(s, number)
        return session_json(s, row, session_figures(s, row))


def session_report_file(ctx: Context, number: str, layout: str = "a4") -> Path:
    """The session's report, written to `reports/` in the desk's home (owner-only)."""
    from kiosk.receipts.session_report import write_session_report

    folder = private_dir(Path(ctx.home) / "reports")
    suffix = "" if layout == "a4" else f"-{layout}"
    return write_session_report(ctx, number, folder / f"{number}{suffix}.pdf", layout)
