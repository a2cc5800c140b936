"""Counter sessions: the drawer's day, opened with a float and closed with a count.

    row = open_session(s, desk="Desk 1", currency="INR", float_minor=5_000_00, user=asha)
    ...                       # tenders (kiosk.payments.tenders) carry row.id
    close_session(s, "Desk 1", count, closer=asha, approver=None, reason="")

One open session per desk (a unique column; a second desk opening at the same moment gets
a clear refusal). Expected cash is the float plus cash taken less cash paid out of the
drawer; a count that differs needs a supervisor other than the one closing, with a
reason. Once closed, a session is final: the database refuses to change it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.ledger import audit
from kiosk.ledger.cash_count import CashCount
from kiosk.ledger.counter_figures import session_figures
from kiosk.ledger.counter_models import CounterSession
from kiosk.ledger.numbering import next_seq
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import StaffUser
from kiosk.money import format_money

SEQUENCE = "counter-session"  # its own row in receipt_counters: CS-2026-000012


class CounterError(ValueError):
    """A counter operation refused; the message says why and what to do."""

    @property
    def message(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class CloseRequest:
    count: CashCount
    closer: StaffUser
    approver: StaffUser | None = None
    reason: str = ""
    locale: str = "en_IN"
    blind: bool = False  # counter.blind_close: a refusal doesn't tell the expected figure


def open_for(s: Session, desk: str, *, lock: bool = False) -> CounterSession | None:
    """The desk's open session. `lock` holds it (shared) until the transaction ends, so a
    close can't slip in between a tender's check and its write."""
    query = select(CounterSession).where(CounterSession.open_desk == desk)
    if lock:
        query = query.with_for_update(read=True)
    return s.scalar(query)


def by_number(s: Session, number: str) -> CounterSession:
    row = s.scalar(select(CounterSession).where(CounterSession.number == number.strip()))
    if row is None and number.strip().isdigit():
        row = s.get(CounterSession, int(number))
    if row is None:
        raise CounterError(f"no counter session {number!r}: `counter list` shows them")
    return row


def open_session(
    s: Session, *, desk: str, currency: str, float_minor: int, user: StaffUser
) -> CounterSession:
    if float_minor < 0:
        raise CounterError("the float can't be negative")
    current = open_for(s, desk)
    if current is not None:
        raise CounterError(f"{desk} already has counter session {current.number} open")
    now = utcnow()
    year = now.year
    row = CounterSession(
        number=f"CS-{year}-{next_seq(s, SEQUENCE, year):06d}",
        desk=desk,
        open_desk=desk,
        currency=currency.upper(),
        status="open",
        float_amount=float_minor,
        opened_by_id=user.id,
        opened_at=now,
    )
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:  # another process opened one a moment ago
        raise CounterError(f"{desk} already has a counter session open") from None
    audit.record(
        s,
        "counter.opened",
        username=user.username,
        desk=desk,
        target=row.number,
        float=float_minor,
        currency=row.currency,
    )
    return row


def require_open(s: Session, desk: str, what: str) -> CounterSession:
    row = open_for(s, desk, lock=True)
    if row is None:
        raise CounterError(
            f"{what} needs an open counter: open it first (Open counter, or "
            "`counter open --float AMOUNT --as USER`)"
        )
    return row


def close_session(s: Session, desk: str, request: CloseRequest) -> CounterSession:
    """Close the desk's session with the count. The row is locked first, so no tender can
    join the session between the figures and the close."""
    row = s.scalar(select(CounterSession).where(CounterSession.open_desk == desk).with_for_update())
    if row is None:
        raise CounterError(f"{desk} has no counter session open")
    figures = session_figures(s, row)
    expected_cash = figures.expected_cash
    _check_closer(row, request)
    if request.count.currency != row.currency:
        raise CounterError(
            f"the count is in {request.count.currency}; the drawer holds {row.currency}"
        )
    variance = request.count.total - expected_cash
    approver = _check_variance(variance, expected_cash, request)
    now = utcnow()
    row.status, row.open_desk = "closed", None
    row.closed_by_id, row.closed_at = request.closer.id, now
    row.count_detail, row.counted = request.count.to_json(), request.count.total
    row.expected_cash, row.variance = expected_cash, variance
    row.approved_by_id = approver.id if approver else None
    row.variance_reason = request.reason.strip() if variance else ""
    row.figures = figures.to_json()
    s.flush()
    audit.record(
        s,
        "counter.closed",
        username=request.closer.username,
        desk=desk,
        target=row.number,
        counted=row.counted,
        expected_cash=expected_cash,
        variance=variance,
        approved_by=approver.username if approver else None,
        reason=row.variance_reason,
    )
    return row


def _check_closer(row: CounterSession, request: CloseRequest) -> None:
    if request.closer.id != row.opened_by_id and not request.closer.is_supervisor:
        raise CounterError(
            f"{request.closer.username} did not open {row.number}: the cashier who opened it "
            "or a supervisor closes it"
        )


def _check_variance(variance: int, expected: int, request: CloseRequest) -> StaffUser | None:
    if variance == 0:
        return None
    approver = request.approver
    if approver is None:
        raise CounterError(
            f"{_difference(variance, expected, request)}: a supervisor must approve the "
            "variance (--approve-as SUPERVISOR) and give a reason (--reason)"
        )
    if not approver.is_supervisor:
        raise CounterError(f"{approver.username} is a cashier; a supervisor approves a variance")
    if approver.id == request.closer.id:
        raise CounterError("a variance is approved by a supervisor other than the one closing")
    if not request.reason.strip():
        raise CounterError("say why the count differs (--reason): it goes on the report")
    return approver


def _difference(variance: int, expected: int, request: CloseRequest) -> str:
    if request.blind:
        return "the count differs from the expected cash"

    def fmt(minor: int) -> str:
        return format_money(minor, request.count.currency, request.locale)

    words = "short of" if variance < 0 else "over"
    return (
        f"the count of {fmt(request.count.total)} is {fmt(abs(variance))} {words} the "
        f"expected {fmt(expected)}"
    )
