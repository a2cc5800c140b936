"""The counter steps the desk runs on workers: thin calls into kiosk.ledger.counter,
kiosk.payments.tenders and clearance, returning plain dataclasses (never ORM rows).

    state = counter_state(ctx)                        # the status bar, the dialogs
    open_counter(ctx, 5_000_00, user)
    done = take_counter_tender(ctx, "INV-…", Cash(15_000_00, 20_000_00), user)
    report = close_counter(ctx, count, closer, approval=("meera", "pw"), reason="…")

None of these touch a widget; screens call them through QueryOp.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.ledger.cash_count import CashCount
    from kiosk.ledger.counter_figures import SessionFigures
    from kiosk.ledger.users import StaffUser
    from kiosk.payments.tender_types import Tender, TenderView
    from ui.payment_flow import LandedReceipt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CounterState:
    """This desk's counter as the status bar and the dialogs show it."""

    desk: str
    currency: str
    session: str | None = None  # None: no counter open
    float_amount: int = 0
    expected_cash: int | None = None  # None: hidden (counter.blind_close) or closed
    opened_by: str = ""
    blind: bool = False
    notes: tuple[int, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.session is not None


@dataclass(frozen=True)
class SessionReport:
    """A session's figures for the report preview and the summary's counter view."""

    data: dict[str, Any]  # kiosk.ledger.counter_figures.session_json
    components: list[tuple[str, int, int]] = field(default_factory=list)  # name, count, amount
    pdf: Path | None = None  # the printable report, when kiosk.receipts.session_report is there


@dataclass(frozen=True)
class TenderDone:
    view: TenderView
    receipt: LandedReceipt | None  # None: recorded, but its file could not be made now


def counter_state(ctx, reveal: bool = False) -> CounterState:
    """The desk's open session and the cash its drawer should hold. Under blind close the
    expected cash stays hidden unless `reveal` (after the count is submitted)."""
    from kiosk.ledger.cash_count import notes_for
    from kiosk.ledger.counter import open_for
    from kiosk.ledger.counter_figures import session_figures

    blind = bool(ctx.settings.get("counter.blind_close"))
    configured = str(ctx.settings.get("counter.denominations"))
    with ctx.ledger.read() as s:
        row = open_for(s, ctx.desk)
        if row is None:
            currency = str(ctx.settings.get("desk.currency"))
            return CounterState(ctx.desk, currency, blind=blind)
        expected = session_figures(s, row).expected_cash
        return CounterState(
            ctx.desk,
            row.currency,
            row.number,
            row.float_amount,
            None if blind and not reveal else expected,
            _username(s, row.opened_by_id),
            blind,
            notes_for(row.currency, configured),
        )


def _username(s, user_id: int) -> str:
    from sqlalchemy import select

    from kiosk.ledger.models import User

    return s.scalar(select(User.username).where(User.id == user_id)) or ""


def open_counter(ctx, float_minor: int, user: StaffUser) -> CounterState:
    from kiosk.ledger.counter import open_session

    currency = str(ctx.settings.get("desk.currency"))
    with ctx.ledger.begin() as s:
        open_session(s, desk=ctx.desk, currency=currency, float_minor=float_minor, user=user)
    return counter_state(ctx)


def close_counter(
    ctx,
    count: CashCount,
    closer: StaffUser,
    approval: tuple[str, str] | None = None,
    reason: str = "",
) -> SessionReport:
    """Close with the count; `approval` (a supervisor's username and password) is checked
    and audited first, then the core decides whether the close stands."""
    from kiosk.ledger.counter import CloseRequest, close_session, open_for

    approver = None
    if approval is not None:
        from ui.staff import approve

        with ctx.ledger.read() as s:
            row = open_for(s, ctx.desk)
            target = row.number if row else ctx.desk
        approver = approve(ctx, *approval, "Approve variance", target, closer.username)
    locale = str(ctx.settings.get("desk.locale"))
    blind = bool(ctx.settings.get("counter.blind_close"))
    with ctx.ledger.begin() as s:
        request = CloseRequest(count, closer, approver, reason, locale, blind)
        number = close_session(s, ctx.desk, request).number
    return session_report(ctx, number)


def session_report(ctx, number: str, with_pdf: bool = True) -> SessionReport:
    from kiosk.ledger.counter import by_number
    from kiosk.ledger.counter_figures import session_figures, session_json

    blind = bool(ctx.settings.get("counter.blind_close"))
    with ctx.ledger.read() as s:
        row = by_number(s, number)
        figures: SessionFigures = session_figures(s, row)
        data = session_json(s, row, figures, blind=blind)
        components = session_components(s, row.id)
    return SessionReport(data, components, report_pdf(ctx, number) if with_pdf else None)


def report_pdf(ctx, number: str) -> Path | None:
    """The session's printable report, or None while kiosk.receipts.session_report is not
    there (the figures table is shown alone then)."""
    try:
        from kiosk.receipts.session_report import write_session_report  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    out = ctx.home / "counter-reports" / f"{number}.pdf"
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(write_session_report(ctx, number, out, layout="a4"))


def session_components(s, session_id: int) -> list[tuple[str, int, int]]:
    """What the session's payments paid, by fee component: (name, payments, amount)."""
    from sqlalchemy import func, select

    from kiosk.ledger.models import Allocation, FeeComponent, Payment

    rows = s.execute(
        select(
            FeeComponent.name, func.count(func.distinct(Payment.id)), func.sum(Allocation.amount)
        )
        .join(Allocation, Allocation.payment_id == Payment.id)
        .join(FeeComponent, FeeComponent.id == Allocation.component_id)
        .where(Payment.counter_session_id == session_id, Allocation.refund_id.is_(None))
        .group_by(FeeComponent.name)
        .order_by(func.sum(Allocation.amount).desc())
    ).all()
    return [(name, int(n), int(total)) for name, n, total in rows]


def recent_sessions(ctx, limit: int = 30) -> list[str]:
    """This desk's session numbers, newest first (the summary's picker)."""
    from sqlalchemy import select

    from kiosk.ledger.counter_models import CounterSession

    with ctx.ledger.read() as s:
        query = (
            select(CounterSession.number)
            .where(CounterSession.desk == ctx.desk)
            .order_by(CounterSession.id.desc())
            .limit(limit)
        )
        return list(s.scalars(query))


def take_counter_tender(ctx, number: str, tender: Tender, staff: StaffUser | None) -> TenderDone:
    """Record the tender (all or nothing), then render its receipt. Once recorded, a
    failure to render never reads as a refusal: the money is in the ledger."""
    from kiosk.payments.tenders import take_tender

    view = take_tender(ctx, number, tender, staff)
    try:
        return TenderDone(view, receipt_by_number(ctx, view.receipt))
    except Exception:
        log.exception("receipt %s recorded but not rendered", view.receipt)
        return TenderDone(view, None)


def receipt_by_number(ctx, receipt: str) -> LandedReceipt:
    from kiosk.receipts.facts import receipt_facts
    from kiosk.receipts.service import render_one
    from ui.payment_flow import LandedReceipt

    render_one(ctx, receipt)
    with ctx.ledger.begin() as s:
        facts = receipt_facts(s, receipt)
    return LandedReceipt(receipt, Path(facts.file_path or ""), facts.balance_after, facts.currency)
