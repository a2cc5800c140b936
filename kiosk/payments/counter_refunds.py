"""Refunds of counter tenders: paid at once, by the drawer or by the accounts office.

A cash payment is refunded in cash out of the desk's open counter session (it counts
against the drawer, and the drawer can't pay out more than it should hold). A cheque,
draft or bank transfer is refunded by the accounts office, away from the drawer, and only
once the instrument has cleared. Either way the refund is final when recorded: the
allocation is reversed and a numbered refund note issued in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.ledger import audit, counter
from kiosk.ledger.counter_figures import session_figures
from kiosk.ledger.counter_models import PaymentInstrument
from kiosk.ledger.models import Payment, Refund
from kiosk.ledger.numbering import record_receipt
from kiosk.ledger.status import RefundStatus
from kiosk.ledger.users import StaffUser
from kiosk.money import format_money
from kiosk.payments import outbox
from kiosk.payments.errors import NotRefundable
from kiosk.payments.refund_apply import reverse_allocations

if TYPE_CHECKING:
    from kiosk.context import Context


def pay_out(ctx: Context, s: Session, payment: Payment, row: Refund, staff: StaffUser) -> None:
    """Complete `row` (added, not yet flushed) for a counter payment, or refuse."""
    instrument = s.get(PaymentInstrument, payment.id)
    kind = instrument.kind if instrument else payment.channel
    if instrument is not None and instrument.status != "paid":
        raise NotRefundable(
            f"this {kind} is {instrument.status.replace('_', ' ')}: "
            + (
                "bounce it instead of refunding"
                if instrument.status == "pending_clearance"
                else "nothing of it can be refunded"
            )
        )
    if kind == "cash":
        _from_drawer(ctx, s, row)
    else:
        row.paid_by = "office"
        session = counter.open_for(s, ctx.desk)
        row.counter_session_id = session.id if session else None
    row.status = RefundStatus.SUCCEEDED.value
    note = reverse_with_note(ctx, s, payment, row)
    audit.record(
        s,
        "refund.paid",
        username=staff.username,
        desk=ctx.desk,
        target=row.public_id,
        amount=row.amount,
        paid_by=row.paid_by,
        refund_note=note,
    )


def reverse_with_note(ctx: Context, s: Session, payment: Payment, row: Refund) -> str:
    """Write `row`, take its amount back off the invoice's components, and number its
    note in the refund series; fee slips for the invoice are now out of date."""
    s.add(row)
    s.flush()
    reverse_allocations(s, payment, row)
    outbox.arm(s, outbox.STALE_FEE_SLIPS, payment.invoice_id)
    return record_receipt(
        s,
        prefix=str(ctx.settings.get("receipts.prefix")),
        timezone=str(ctx.settings.get("desk.timezone")),
        desk=ctx.desk,
        refund_id=row.id,
    )


def _from_drawer(ctx: Context, s: Session, row: Refund) -> None:
    try:
        session = counter.require_open(s, ctx.desk, "a cash refund")
    except counter.CounterError as exc:
        raise NotRefundable(exc.message) from None
    if session.currency != row.currency:
        raise NotRefundable(f"the drawer holds {session.currency}, not {row.currency}")
    holds = session_figures(s, session).expected_cash
    if row.amount > holds:
        locale = str(ctx.settings.get("desk.locale"))
        raise NotRefundable(
            f"the drawer should hold only {format_money(holds, row.currency, locale)}: "
            "a cash refund can't pay out more"
        )
    row.paid_by, row.counter_session_id = "drawer", session.id


def is_counter_payment(s: Session, payment: Payment) -> bool:
    return (
        s.scalar(
            select(PaymentInstrument.payment_id).where(PaymentInstrument.payment_id == payment.id)
        )
        is not None
    )
