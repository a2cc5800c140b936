"""Cheques and demand drafts after the counter: cleared, or bounced and reversed.

    clear_instrument(ctx, "pa_1f2e…", staff)             # or the receipt number
    bounce_instrument(ctx, "R-2026-000123", "funds insufficient", supervisor)

A bounce is a supervisor's act. It reverses the payment's allocation (the invoice owes
again what the instrument paid), issues a numbered reversal note, and writes the audit
log, all in one transaction. The reversal is a `refunds` row with status `bounced`, so it
is never counted as money paid out.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.ledger import audit, counter
from kiosk.ledger.counter_models import PaymentInstrument
from kiosk.ledger.models import Invoice, Payment, PaymentAttempt, Receipt, Refund
from kiosk.ledger.status import RefundStatus
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import StaffUser
from kiosk.payments.counter_refunds import reverse_with_note
from kiosk.payments.errors import NotFound, PaymentError

if TYPE_CHECKING:
    from kiosk.context import Context


@dataclass(frozen=True)
class Settled:
    attempt_id: str | None
    invoice: str
    status: str  # paid | bounced
    receipt: str | None  # the payment's receipt
    reversal_note: str | None = None


def find_counter_payment(s: Session, ref: str) -> tuple[Payment, PaymentInstrument]:
    """A counter payment by the attempt id `pay --json` printed, or its receipt number."""
    ref = ref.strip()
    query = select(Payment, PaymentInstrument).join(
        PaymentInstrument, PaymentInstrument.payment_id == Payment.id
    )
    if ref.startswith("pa_"):
        query = query.join(PaymentAttempt, PaymentAttempt.id == Payment.attempt_id).where(
            PaymentAttempt.public_id == ref
        )
    else:
        query = query.join(Receipt, Receipt.payment_id == Payment.id).where(Receipt.number == ref)
    found = s.execute(query.with_for_update()).first()
    if found is None:
        raise NotFound(f"no cheque, draft or counter payment with attempt or receipt {ref!r}")
    return found[0], found[1]


def _pending(instrument: PaymentInstrument, ref: str, verb: str) -> None:
    if instrument.kind not in ("cheque", "dd"):
        raise PaymentError(
            f"{ref} is a {instrument.kind.replace('_', ' ')} payment: only "
            "cheques and demand drafts are cleared or bounced"
        )
    if instrument.status != "pending_clearance":
        raise PaymentError(
            f"{ref} is already {instrument.status.replace('_', ' ')}; it can't be {verb}"
        )


def clear_instrument(ctx: Context, ref: str, staff: StaffUser) -> Settled:
    with ctx.ledger.begin() as s:
        payment, instrument = find_counter_payment(s, ref)
        _pending(instrument, ref, "cleared")
        _settle(ctx, s, payment, instrument, "paid", staff)
        return _settled(s, payment, "paid")


def bounce_instrument(ctx: Context, ref: str, reason: str, supervisor: StaffUser) -> Settled:
    if not reason.strip():
        raise PaymentError("say why the instrument bounced (--reason): it goes on the note")
    if not supervisor.is_supervisor:
        raise PaymentError(f"{supervisor.username} is a cashier; a supervisor records a bounce")
    with ctx.ledger.begin() as s:
        payment, instrument = find_counter_payment(s, ref)
        _pending(instrument, ref, "bounced")
        session = counter.open_for(s, ctx.desk)
        row = Refund(
            public_id="rf_" + secrets.token_hex(8),
            payment_id=payment.id,
            amount=payment.amount,
            currency=payment.currency,
            reason=f"{instrument.kind} {instrument.number} bounced: {reason.strip()}",
            status=RefundStatus.BOUNCED.value,
            requested_by_id=supervisor.id,
            desk=ctx.desk,
            counter_session_id=session.id if session else None,
        )
        note = reverse_with_note(ctx, s, payment, row)
        instrument.bounce_reason = reason.strip()
        _settle(ctx, s, payment, instrument, "bounced", supervisor, reversal_note=note)
        return _settled(s, payment, "bounced", note)


def _settle(
    ctx: Context,
    s: Session,
    payment: Payment,
    instrument: PaymentInstrument,
    status: str,
    by: StaffUser,
    **details: str,
) -> None:
    """The instrument's final word (cleared: paid, or bounced), audited."""
    instrument.status = status
    instrument.settled_at, instrument.settled_by_id = utcnow(), by.id
    audit.record(
        s,
        "payment.cleared" if status == "paid" else "payment.bounced",
        username=by.username,
        desk=ctx.desk,
        target=_invoice_number(s, payment),
        instrument=instrument.number,
        bank=instrument.bank,
        amount=payment.amount,
        reason=instrument.bounce_reason or None,
        **details,
    )


def _invoice_number(s: Session, payment: Payment) -> str:
    return str(s.scalar(select(Invoice.number).where(Invoice.id == payment.invoice_id)))


def _settled(s: Session, payment: Payment, status: str, note: str | None = None) -> Settled:
    attempt = s.scalar(
        select(PaymentAttempt.public_id).where(PaymentAttempt.id == payment.attempt_id)
    )
    receipt = s.scalar(select(Receipt.number).where(Receipt.payment_id == payment.id))
    return Settled(attempt, _invoice_number(s, payment), status, receipt, note)


@dataclass(frozen=True)
class Awaiting:
    attempt_id: str
    receipt: str
    invoice: str
    student: str
    kind: str
    number: str
    bank: str
    dated: str
    amount: int
    currency: str
    received_at: str

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)


def awaiting_clearance(ctx: Context) -> list[Awaiting]:
    """Cheques and drafts received subject to realisation, oldest first."""
    from kiosk.ledger.models import Student

    with ctx.ledger.read() as s:
        rows: list[Any] = s.execute(  # type: ignore[assignment]
            select(
                PaymentAttempt.public_id,
                Receipt.number,
                Invoice.number,
                Student.name,
                PaymentInstrument.kind,
                PaymentInstrument.number,
                PaymentInstrument.bank,
                PaymentInstrument.instrument_date,
                Payment.amount,
                Payment.currency,
                Payment.received_at,
            )
            .select_from(PaymentInstrument)
            .join(Payment, Payment.id == PaymentInstrument.payment_id)
            .join(PaymentAttempt, PaymentAttempt.id == Payment.attempt_id)
            .join(Invoice, Invoice.id == Payment.invoice_id)
            .join(Student, Student.id == Invoice.student_id)
            .outerjoin(Receipt, Receipt.payment_id == Payment.id)
            .where(PaymentInstrument.status == "pending_clearance")
            .order_by(Payment.received_at, Payment.id)
        ).all()
    return [
        Awaiting(
            r[0],
            r[1] or "",
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7].isoformat() if r[7] else "",
            r[8],
            r[9],
            r[10].isoformat(),
        )
        for r in rows
    ]
