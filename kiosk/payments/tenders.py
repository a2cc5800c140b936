"""Counter tenders: cash, cheque, demand draft and bank transfer, entered the one way
every payment enters the ledger (`Recorder.book`: allocation, receipt number, audit).

    tender = Cash(amount=15_000_00, tendered=20_000_00)
    view = take_tender(ctx, "INV-2026-0001", tender)
    view.change                     # 5_000_00, shown and printed

A tender is a small frozen description; `take_tender` checks it against the invoice and
the desk's open counter session, then writes the attempt, the payment, its instrument and
its allocation in one transaction, or nothing at all. Cheques and drafts are received
subject to realisation (`pending_clearance`) until kiosk.payments.clearance clears or
bounces them. Nothing here talks to Stripe.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.clock import local
from kiosk.ledger import counter
from kiosk.ledger.counter_models import CounterSession, PaymentInstrument
from kiosk.ledger.models import Invoice, Payment, PaymentAttempt, Receipt
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import StaffUser
from kiosk.money import format_money
from kiosk.payments.errors import AmountError, PaymentError
from kiosk.payments.payable import payable_invoice
from kiosk.payments.recording import InvoiceRef, Recorder
from kiosk.payments.tender_types import (
    BankTransfer,
    Cash,
    Instrument,
    Tender,
    TenderView,
)

if TYPE_CHECKING:
    from kiosk.context import Context

# payments.method is 10 characters: how the money came, beside the channel it came by.
METHODS = {"cash": "cash", "cheque": "cheque", "dd": "dd", "bank_transfer": "transfer"}

__all__ = ["BankTransfer", "Cash", "Instrument", "Tender", "TenderView", "take_tender"]


def take_tender(
    ctx: Context, invoice_number: str, tender: Tender, staff: StaffUser | None = None
) -> TenderView:
    """Record a counter payment; raises PaymentError (nothing written) when it can't be."""
    today = local(utcnow(), str(ctx.settings.get("desk.timezone"))).date()
    tender = tender.checked(today, int(ctx.settings.get("counter.stale_cheque_days")))
    with ctx.ledger.begin() as s:
        try:
            session = _session_for(s, ctx.desk, tender)
        except counter.CounterError as exc:
            raise PaymentError(exc.message) from None
        invoice = _invoice(ctx, s, invoice_number, tender, session)
        _refuse_duplicate(s, tender)
        staff_id = staff.id if staff else (session.opened_by_id if session else None)
        public_id = _attempt(s, ctx.desk, invoice, tender, staff_id)
        recorder = Recorder(s, "counter", ctx.desk, ctx.settings)
        payment_id = _payment(s, recorder, invoice, tender, public_id, staff_id, session)
        _instrument(s, payment_id, tender)
        _, _, receipt = recorder.book(
            invoice,
            payment_id,
            {"amount": tender.amount, "currency": invoice.currency, "channel": tender.kind},
            attempt=public_id,
            counter_session=session.number if session else None,
            **tender.audit_details(),
        )
    return TenderView(
        public_id,
        invoice.number,
        tender.amount,
        invoice.currency,
        tender,
        receipt,
        session.number if session else None,
    )


def _session_for(s: Session, desk: str, tender: Tender) -> CounterSession | None:
    if tender.needs_session:
        return counter.require_open(s, desk, f"taking a {tender.label} payment")
    return counter.open_for(s, desk, lock=True)


def _invoice(
    ctx: Context, s: Session, number: str, tender: Tender, session: CounterSession | None
) -> InvoiceRef:
    _, row = payable_invoice(s, number)
    locale = str(ctx.settings.get("desk.locale"))

    def fmt(minor: int) -> str:
        return format_money(minor, row.currency, locale)

    if isinstance(tender, Cash) and session is not None and session.currency != row.currency:
        raise AmountError(
            f"the drawer holds {session.currency}; invoice {number} is in {row.currency}"
        )
    if tender.amount <= 0:
        raise AmountError("the amount must be more than zero")
    credit_allowed = bool(ctx.settings.get("counter.allow_credit"))
    if row.balance <= 0 and not credit_allowed:
        raise AmountError("this invoice has nothing left to pay")
    if tender.amount > row.balance and not credit_allowed:
        raise AmountError(f"{fmt(tender.amount)} is more than the balance of {fmt(row.balance)}")
    if isinstance(tender, Cash) and tender.change < 0:
        raise AmountError(
            f"{fmt(tender.handed_over)} handed over is less than the {fmt(tender.amount)} to pay"
        )
    return InvoiceRef(row.id, row.number, row.currency)


def _refuse_duplicate(s: Session, tender: Tender) -> None:
    """A UTR is unique across the ledger; a cheque or draft already received (and not
    bounced) can't be received again."""
    query = select(PaymentInstrument.payment_id)
    if isinstance(tender, BankTransfer):
        query = query.where(PaymentInstrument.reference == tender.reference)
        what = f"UTR {tender.reference}"
    elif isinstance(tender, Instrument):
        query = query.where(
            PaymentInstrument.kind == tender.kind,
            PaymentInstrument.bank == tender.bank,
            PaymentInstrument.number == tender.number,
            PaymentInstrument.status != "bounced",
        )
        what = f"{tender.label} {tender.number} on {tender.bank}"
    else:
        return
    first = s.scalar(query)
    if first is not None:
        raise PaymentError(f"{what} was already recorded: {_describe(s, first)}")


def _describe(s: Session, payment_id: int) -> str:
    row = s.execute(
        select(Receipt.number, Invoice.number, Payment.received_at)
        .select_from(Payment)
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .outerjoin(Receipt, Receipt.payment_id == Payment.id)
        .where(Payment.id == payment_id)
    ).one()
    return f"receipt {row[0] or '(none)'} for {row[1]} on {row[2]:%Y-%m-%d}"


def _attempt(
    s: Session, desk: str, invoice: InvoiceRef, tender: Tender, staff_id: int | None
) -> str:
    now = utcnow()
    row = PaymentAttempt(
        public_id="pa_" + secrets.token_hex(8),
        invoice_id=invoice.id,
        channel=tender.kind,
        amount=tender.amount,
        currency=invoice.currency,
        status="paid",
        desk=desk,
        staff_user_id=staff_id,
        closed_at=now,
        created_at=now,
        updated_at=now,
    )
    s.add(row)
    s.flush()
    return row.public_id


def _payment(
    s: Session,
    recorder: Recorder,
    invoice: InvoiceRef,
    tender: Tender,
    public_id: str,
    staff_id: int | None,
    session: CounterSession | None,
) -> int:
    now = utcnow()
    row = Payment(
        invoice_id=invoice.id,
        attempt_id=s.scalar(select(PaymentAttempt.id).where(PaymentAttempt.public_id == public_id)),
        # Not a Stripe object: the column's uniqueness still makes the key exactly-once.
        stripe_payment_intent=f"{tender.kind}:{public_id}",
        amount=tender.amount,
        currency=invoice.currency,
        channel=tender.kind,
        method=METHODS[tender.kind],
        source="counter",
        desk=recorder.desk,
        staff_user_id=staff_id,
        received_at=now,
        followed_up_at=now,  # nothing to ask Stripe about
        counter_session_id=session.id if session else None,
    )
    s.add(row)
    s.flush()
    return row.id


def _instrument(s: Session, payment_id: int, tender: Tender) -> None:
    row = PaymentInstrument(payment_id=payment_id, status=tender.initial_status, **tender.columns())
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:  # the same UTR from another desk a moment ago
        raise PaymentError(f"UTR {getattr(tender, 'reference', '')} was already recorded") from None
