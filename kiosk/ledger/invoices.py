"""Invoice figures as SQL: total, paid, credit and status, derived on every read.

`summary_select()` is the one query behind lists, search results and the desk's table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from kiosk.ledger.instrument_views import payment_extras
from kiosk.ledger.models import (
    Allocation,
    FeeComponent,
    Invoice,
    Payment,
    Receipt,
    Refund,
    Student,
)
from kiosk.ledger.settlement import settled_payouts
from kiosk.ledger.status import REVERSED, InvoiceStatus, RefundStatus
from kiosk.ledger.views import (
    AllocationView,
    ComponentView,
    InvoiceDetail,
    InvoiceRow,
    PaymentView,
    ReceiptView,
    RefundView,
)


class InvoiceNotFound(LookupError):
    def __init__(self, number: str) -> None:
        super().__init__(f"no invoice numbered {number!r}")


def total_expr() -> ScalarSelect[Any]:
    return (
        select(func.coalesce(func.sum(FeeComponent.amount), 0))
        .where(FeeComponent.invoice_id == Invoice.id)
        .scalar_subquery()
    )


def paid_expr() -> ScalarSelect[Any]:
    return (
        select(func.coalesce(func.sum(Allocation.amount), 0))
        .join(FeeComponent, FeeComponent.id == Allocation.component_id)
        .where(FeeComponent.invoice_id == Invoice.id)
        .scalar_subquery()
    )


def received_expr() -> ColumnElement[Any]:
    """Money received for the invoice, less refunds Stripe has confirmed and bounced
    instruments (reversed by kiosk.payments.clearance)."""
    received = (
        select(func.coalesce(func.sum(Payment.amount), 0))
        .where(Payment.invoice_id == Invoice.id)
        .scalar_subquery()
    )
    refunded = (
        select(func.coalesce(func.sum(Refund.amount), 0))
        .join(Payment, Payment.id == Refund.payment_id)
        .where(
            and_(
                Payment.invoice_id == Invoice.id,
                # two comparisons, not IN: the first page caches this SQL (no expanding binds)
                (Refund.status == REVERSED[0]) | (Refund.status == REVERSED[1]),
            )
        )
        .scalar_subquery()
    )
    return received - refunded


def status_expr(
    total: ColumnElement[Any], paid: ColumnElement[Any], today: date
) -> ColumnElement[str]:
    return case(
        (Invoice.voided_at.is_not(None), literal(InvoiceStatus.VOID.value)),
        (and_(total > 0, paid >= total), literal(InvoiceStatus.PAID.value)),
        (Invoice.due_date < today, literal(InvoiceStatus.OVERDUE.value)),
        (paid > 0, literal(InvoiceStatus.PARTIALLY_PAID.value)),
        else_=literal(InvoiceStatus.OPEN.value),
    )


def summary_select(today: date | None = None) -> Select[*tuple[Any, ...]]:
    today = today or date.today()
    total, paid = total_expr(), paid_expr()
    return select(
        Invoice.id,
        Invoice.number,
        Student.number,
        Student.name,
        Student.email,
        Invoice.currency,
        Invoice.issue_date,
        Invoice.due_date,
        total.label("total"),
        paid.label("paid"),
        (received_expr() - paid).label("credit"),
        status_expr(total, paid, today).label("status"),
    ).join(Student, Student.id == Invoice.student_id)


def to_row(r: Sequence[Any]) -> InvoiceRow:
    return InvoiceRow.from_row(r)


def invoice_row(session: Session, number: str, today: date | None = None) -> InvoiceRow:
    r = session.execute(summary_select(today).where(Invoice.number == number)).first()
    if r is None:
        raise InvoiceNotFound(number)
    return to_row(r)


def component_paid(session: Session, invoice_id: int) -> dict[int, int]:
    rows = session.execute(
        select(Allocation.component_id, func.sum(Allocation.amount))
        .join(FeeComponent, FeeComponent.id == Allocation.component_id)
        .where(FeeComponent.invoice_id == invoice_id)
        .group_by(Allocation.component_id)
    )
    return {cid: int(total) for cid, total in rows}


def invoice_detail(session: Session, number: str, today: date | None = None) -> InvoiceDetail:
    row = invoice_row(session, number, today)
    inv = session.get(Invoice, row.id)
    assert inv is not None
    paid = component_paid(session, inv.id)
    components = [
        ComponentView(c.id, c.name, c.amount, paid.get(c.id, 0), c.priority)
        for c in sorted(inv.components, key=lambda c: (c.position, c.id))
    ]
    receipts = _receipts_of(session, inv)
    payments = _payment_views(session, inv, receipts)
    refunds = [
        _refund_view(p, r, receipts.get((None, r.id))) for p in inv.payments for r in p.refunds
    ]
    receipt_views = sorted(
        (
            ReceiptView(r.number, r.kind, r.issued_at, r.file_path, r.sha256)
            for r in receipts.values()
        ),
        key=lambda r: r.number,
    )
    st = inv.student
    return InvoiceDetail(row, st.phone, st.programme, components, payments, refunds, receipt_views)


def _receipts_of(session: Session, inv: Invoice) -> dict[tuple[int | None, int | None], Receipt]:
    """The invoice's receipts and refund notes, by (payment id, refund id)."""
    return {
        (r.payment_id, r.refund_id): r
        for r in session.scalars(
            select(Receipt).where(
                (Receipt.payment_id.in_([p.id for p in inv.payments]))
                | (
                    Receipt.refund_id.in_(
                        select(Refund.id).join(Payment).where(Payment.invoice_id == inv.id)
                    )
                )
            )
        )
    }


def _payment_views(
    session: Session, inv: Invoice, receipts: dict[tuple[int | None, int | None], Receipt]
) -> list[PaymentView]:
    names = {c.id: c.name for c in inv.components}
    settled = settled_payouts(session, [p.stripe_payment_intent for p in inv.payments])
    extras = payment_extras(session, [p.id for p in inv.payments])
    views = []
    for p in inv.payments:
        rec = receipts.get((p.id, None))
        views.append(
            PaymentView(
                p.id,
                p.stripe_payment_intent,
                p.amount,
                sum(r.amount for r in p.refunds if r.status == RefundStatus.SUCCEEDED),
                p.channel,
                p.card_brand,
                p.card_last4,
                p.source,
                p.desk,
                p.flag,
                p.received_at,
                rec.number if rec else None,
                [AllocationView(names[a.component_id], a.amount) for a in p.allocations],
                payout=settled.get(p.stripe_payment_intent),
                method=p.method,
                upi_vpa=p.upi_vpa,
                **extras.get(p.id, {}),
            )
        )
    return views


def _refund_view(p: Payment, r: Refund, note: Receipt | None) -> RefundView:
    return RefundView(
        r.id,
        p.stripe_payment_intent,
        r.stripe_refund_id,
        r.amount,
        r.status,
        r.reason,
        r.failure_reason,
        r.created_at,
        note.number if note else None,
    )
