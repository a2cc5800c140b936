"""What a counter session's report says, read from the ledger in one transaction.

    report = session_report_facts(ctx, "CS-2026-000004")
    report.figures.expected_cash, report.instruments, report.refunds

The totals come from kiosk.ledger.counter_figures (for a closed session, as they stood at
its close); the lines under them (each cheque, draft, transfer and refund) are listed here
so the report can be checked against the drawer and the bank's paying-in slip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from kiosk.context import Context
from kiosk.ledger.counter import by_number
from kiosk.ledger.counter_figures import SessionFigures, session_figures
from kiosk.ledger.counter_models import CounterSession, PaymentInstrument
from kiosk.ledger.models import Allocation, FeeComponent, Invoice, Payment, Receipt, Refund, User
from kiosk.ledger.status import REVERSED, RefundStatus


@dataclass(frozen=True)
class InstrumentLine:
    receipt: str
    invoice: str
    kind: str  # cheque | dd | bank_transfer
    number: str  # cheque or DD number; the UTR for a transfer
    bank: str
    dated: date | None
    amount: int
    status: str  # paid | pending_clearance | bounced


@dataclass(frozen=True)
class RefundLine:
    note: str
    receipt: str
    paid_by: str  # drawer | office | stripe | (bounced: the reversal note)
    amount: int
    reason: str
    bounced: bool


@dataclass(frozen=True)
class SessionReportFacts:
    number: str
    desk: str
    currency: str
    status: str
    opened_by: str
    opened_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    approved_by: str | None
    variance_reason: str
    counted: int | None
    expected_cash: int
    variance: int | None
    count: dict[str, int]  # {"500": 12, ..., "coins": 23000}
    figures: SessionFigures
    instruments: list[InstrumentLine] = field(default_factory=list)
    refunds: list[RefundLine] = field(default_factory=list)
    by_component: dict[str, int] = field(default_factory=dict)


def session_report_facts(ctx: Context, number: str) -> SessionReportFacts:
    with ctx.ledger.read() as s:
        row = by_number(s, number)
        figures = session_figures(s, row)
        expected = row.expected_cash if row.expected_cash is not None else figures.expected_cash
        return SessionReportFacts(
            number=row.number,
            desk=row.desk,
            currency=row.currency,
            status=row.status,
            opened_by=_username(s, row.opened_by_id) or "—",
            opened_at=row.opened_at,
            closed_by=_username(s, row.closed_by_id),
            closed_at=row.closed_at,
            approved_by=_username(s, row.approved_by_id),
            variance_reason=row.variance_reason or "",
            counted=row.counted,
            expected_cash=expected,
            variance=row.variance,
            count=json.loads(row.count_detail) if row.count_detail else {},
            figures=figures,
            instruments=_instruments(s, row),
            refunds=_refunds(s, row),
            by_component=_by_component(s, row),
        )


def _username(s: Session, user_id: int | None) -> str | None:
    return s.scalar(select(User.username).where(User.id == user_id)) if user_id else None


def _instruments(s: Session, row: CounterSession) -> list[InstrumentLine]:
    rows = s.execute(
        select(Receipt.number, Invoice.number, PaymentInstrument, Payment.amount)
        .join(PaymentInstrument, PaymentInstrument.payment_id == Payment.id)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .outerjoin(Receipt, Receipt.payment_id == Payment.id)
        .where(Payment.counter_session_id == row.id, PaymentInstrument.kind != "cash")
        .order_by(PaymentInstrument.kind, Payment.id)
    ).all()
    return [
        InstrumentLine(
            receipt or "—",
            invoice,
            i.kind,
            (i.reference if i.kind == "bank_transfer" else i.number) or "",
            i.bank or "",
            i.paid_on if i.kind == "bank_transfer" else i.instrument_date,
            int(amount),
            _status_at_close(row, i.status, i.settled_at),
        )
        for receipt, invoice, i, amount in rows
    ]


def _status_at_close(row: CounterSession, status: str, settled_at: datetime | None) -> str:
    """A closed session's report says what stood at its close: a cheque cleared next week
    was still awaiting clearance then (the later session's report shows the bounce)."""
    if row.closed_at is not None and settled_at is not None and settled_at > row.closed_at:
        return "pending_clearance"
    return status


def _refunds(s: Session, row: CounterSession) -> list[RefundLine]:
    original = aliased(Receipt, name="original")
    rows = s.execute(
        select(
            Receipt.number,
            original.number,
            Refund.paid_by,
            Refund.amount,
            Refund.reason,
            Refund.status,
        )
        .join(Payment, Payment.id == Refund.payment_id)
        .outerjoin(Receipt, Receipt.refund_id == Refund.id)
        .outerjoin(original, original.payment_id == Payment.id)
        .where(Refund.counter_session_id == row.id, Refund.status.in_(REVERSED))
        .order_by(Refund.id)
    ).all()
    return [
        RefundLine(
            note or "—",
            receipt or "—",
            paid_by or "stripe",
            int(amount),
            reason or "",
            status == RefundStatus.BOUNCED,
        )
        for note, receipt, paid_by, amount, reason, status in rows
    ]


def _by_component(s: Session, row: CounterSession) -> dict[str, int]:
    """What the session's payments paid towards each fee component, net of the refunds and
    bounces booked in the same session."""
    own_refunds = select(Refund.id).where(Refund.counter_session_id == row.id)
    rows = s.execute(
        select(FeeComponent.name, func.sum(Allocation.amount))
        .join(FeeComponent, FeeComponent.id == Allocation.component_id)
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(
            Payment.counter_session_id == row.id,
            Allocation.refund_id.is_(None) | Allocation.refund_id.in_(own_refunds),
        )
        .group_by(FeeComponent.name)
        .order_by(func.sum(Allocation.amount).desc())
    ).all()
    return {name: int(amount) for name, amount in rows if amount}
