"""What a receipt says, read from the ledger into a plain dataclass.

`receipt_facts(session, number)` is the one read behind rendering, reprints, email,
verification and export. The balance is the invoice's balance *as of* the receipt
(allocation rows up to and including this payment's or refund's own), so a reprint
years later says exactly what the original said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.ledger.models import (
    Allocation,
    FeeComponent,
    Invoice,
    Payment,
    PaymentAttempt,
    Receipt,
    Refund,
    User,
)
from kiosk.ledger.status import RefundStatus

ONLINE_CHANNELS = frozenset({"payment_link", "fee_slip"})
COUNTER_CHANNELS = frozenset({"cash", "cheque", "dd", "bank_transfer"})


class ReceiptNotFound(LookupError):
    def __init__(self, number: str) -> None:
        super().__init__(f"no receipt numbered {number!r}")
        self.number = number


@dataclass(frozen=True)
class LineFact:
    component: str
    amount: int  # positive: paid to it, or (refund note) taken back from it


@dataclass(frozen=True)
class TenderFacts:
    """How a counter payment was made (kiosk.ledger.counter_models.PaymentInstrument)."""

    kind: str  # cash | cheque | dd | bank_transfer
    number: str = ""  # cheque or DD number
    bank: str = ""
    dated: date | None = None  # the instrument's date
    reference: str = ""  # a transfer's UTR
    paid_on: date | None = None
    tendered: int | None = None  # cash handed over
    status: str = "paid"  # paid | pending_clearance | bounced
    bounce_reason: str = ""


@dataclass(frozen=True)
class ReceiptFacts:
    number: str
    kind: str  # payment | refund
    issued_at: datetime  # aware UTC
    desk: str
    cashier: str
    currency: str
    amount: int  # paid, or refunded; positive minor units
    lines: tuple[LineFact, ...]
    unallocated: int  # paid beyond what was owed, or refunded from that credit
    invoice_number: str
    invoice_total: int
    balance_after: int
    student_name: str
    student_number: str
    student_email: str
    payment_intent: str
    channel: str
    card_brand: str
    card_last4: str
    stripe_refund_id: str | None = None
    refund_reason: str = ""
    payment_receipt: str | None = None  # refund notes: the receipt of the refunded payment
    verification_code: str | None = None
    print_count: int = 0
    file_path: str | None = None
    sha256: str | None = None
    # Stripe test mode as the ledger records it; None when nothing there says (see below).
    test_mode: bool | None = None
    method: str = "card"  # card | upi
    upi_vpa: str = ""  # masked (pay•••@okaxis); the full VPA is never stored
    tender: TenderFacts | None = None  # counter payments (cash, cheque, DD, transfer)
    refund_paid_by: str = ""  # counter refunds: drawer | office
    reversal: bool = False  # the note reverses a bounced cheque or DD

    @property
    def counter_reference(self) -> str:
        """The desk's own reference of a counter payment (its attempt id, pa_…)."""
        return self.payment_intent.split(":", 1)[-1]

    @property
    def is_refund(self) -> bool:
        return self.kind == "refund"

    def signed_fields(self) -> dict[str, str]:
        """The key facts the verification code covers (see kiosk.receipts.verification)."""
        return {
            "number": self.number,
            "kind": self.kind,
            "issued_at": self.issued_at.isoformat(timespec="seconds"),
            "currency": self.currency,
            "amount": str(self.amount),
            "invoice": self.invoice_number,
            "student": self.student_number,
            "payment_intent": self.payment_intent,
            "refund": self.stripe_refund_id or "",
        }


def find_receipt(session: Session, number: str) -> Receipt:
    receipt = session.scalar(select(Receipt).where(Receipt.number == number.strip().upper()))
    if receipt is None:
        raise ReceiptNotFound(number)
    return receipt


def receipt_facts(session: Session, number: str) -> ReceiptFacts:
    return facts_for(session, find_receipt(session, number))


def facts_for(session: Session, receipt: Receipt) -> ReceiptFacts:
    refund = session.get(Refund, receipt.refund_id) if receipt.refund_id else None
    payment = session.get(Payment, refund.payment_id if refund else receipt.payment_id)
    assert payment is not None
    invoice = session.get(Invoice, payment.invoice_id)
    assert invoice is not None
    rows = _own_allocations(session, payment.id, refund.id if refund else None)
    lines = _lines(session, rows, negate=refund is not None)
    total = sum(c.amount for c in invoice.components)
    paid = _paid_as_of(session, invoice.id, max((r.id for r in rows), default=None), receipt)
    amount = refund.amount if refund else payment.amount
    student = invoice.student
    return ReceiptFacts(
        number=receipt.number,
        kind=receipt.kind,
        issued_at=receipt.issued_at,
        desk=receipt.desk or payment.desk,
        cashier=_cashier(
            session, refund.requested_by_id if refund else payment.staff_user_id, payment.channel
        ),
        currency=payment.currency,
        amount=amount,
        lines=lines,
        unallocated=max(amount - sum(ln.amount for ln in lines), 0),
        invoice_number=invoice.number,
        invoice_total=total,
        balance_after=max(total - paid, 0),
        student_name=student.name,
        student_number=student.number,
        student_email=student.email,
        payment_intent=payment.stripe_payment_intent,
        channel=payment.channel,
        card_brand=payment.card_brand,
        card_last4=payment.card_last4,
        stripe_refund_id=refund.stripe_refund_id if refund else None,
        refund_reason=refund.reason if refund else "",
        payment_receipt=_payment_receipt(session, payment.id) if refund else None,
        verification_code=receipt.verification_code,
        print_count=receipt.print_count,
        file_path=receipt.file_path,
        sha256=receipt.sha256,
        test_mode=stripe_test_mode(session, payment),
        method=payment.method,
        upi_vpa=payment.upi_vpa,
        tender=_tender(session, payment.id),
        refund_paid_by=refund.paid_by if refund else "",
        reversal=refund is not None and refund.status == RefundStatus.BOUNCED,
    )


def _tender(session: Session, payment_id: int) -> TenderFacts | None:
    from kiosk.ledger.counter_models import PaymentInstrument

    row = session.get(PaymentInstrument, payment_id)
    if row is None:
        return None
    return TenderFacts(
        kind=row.kind,
        number=row.number,
        bank=row.bank,
        dated=row.instrument_date,
        reference=row.reference or "",
        paid_on=row.paid_on,
        tendered=row.tendered,
        status=row.status,
        bounce_reason=row.bounce_reason,
    )


def stripe_test_mode(session: Session, payment: Payment) -> bool | None:
    """Whether Stripe took `payment` in test mode, as far as the ledger tells: Checkout
    Session ids carry the mode (cs_test_… / cs_live_…) and test Payment Link URLs a /test_
    path; demo payments are never real money. None for a bare PaymentIntent (no mode in
    its id): the renderer then goes by the desk's Stripe key."""
    if payment.source == "demo":
        return True
    if payment.channel in COUNTER_CHANNELS:  # cash and cheques are real money, whatever the key
        return False
    attempt = session.get(PaymentAttempt, payment.attempt_id) if payment.attempt_id else None
    clues = [payment.stripe_session_id]
    if attempt is not None:
        clues += [attempt.stripe_session_id, attempt.url]
    for clue in filter(None, clues):
        if clue.startswith("cs_live_") or "/cs_live_" in clue:
            return False
        if clue.startswith("cs_test_") or "/cs_test_" in clue or "/test_" in clue:
            return True
    return None


def _own_allocations(session: Session, payment_id: int, refund_id: int | None) -> list[Allocation]:
    stmt = select(Allocation).where(Allocation.payment_id == payment_id)
    if refund_id is None:
        stmt = stmt.where(Allocation.refund_id.is_(None), Allocation.amount > 0)
    else:
        stmt = stmt.where(Allocation.refund_id == refund_id)
    return list(session.scalars(stmt.order_by(Allocation.id)))


def _lines(session: Session, rows: list[Allocation], negate: bool) -> tuple[LineFact, ...]:
    by_component: dict[int, int] = {}
    for row in rows:
        by_component[row.component_id] = by_component.get(row.component_id, 0) + row.amount
    components = {
        c.id: c
        for c in session.scalars(select(FeeComponent).where(FeeComponent.id.in_(by_component)))
    }
    ordered = sorted(by_component, key=lambda cid: (components[cid].position, cid))
    sign = -1 if negate else 1
    return tuple(LineFact(components[cid].name, sign * by_component[cid]) for cid in ordered)


def _paid_as_of(session: Session, invoice_id: int, last_row: int | None, receipt: Receipt) -> int:
    """Allocated to the invoice up to this receipt's own allocation rows (or its issue time)."""
    stmt = (
        select(func.coalesce(func.sum(Allocation.amount), 0))
        .join(FeeComponent, FeeComponent.id == Allocation.component_id)
        .where(FeeComponent.invoice_id == invoice_id)
    )
    if last_row is not None:
        stmt = stmt.where(Allocation.id <= last_row)
    else:
        stmt = stmt.where(Allocation.created_at <= receipt.issued_at)
    return int(session.scalar(stmt) or 0)


def _cashier(session: Session, user_id: int | None, channel: str) -> str:
    user = session.get(User, user_id) if user_id else None
    if user is not None:
        return user.display_name or user.username
    return "Online (self-service)" if channel in ONLINE_CHANNELS else "—"


def _payment_receipt(session: Session, payment_id: int) -> str | None:
    return session.scalar(select(Receipt.number).where(Receipt.payment_id == payment_id))
