"""Plain dataclasses the UI, the CLI and receipts receive (never live ORM objects).

`to_json()` gives the stable, documented JSON form: amounts in integer minor units, a
`currency` on the invoice, and a `formatted` companion where a person reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kiosk.money import format_money


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: str
    student_number: str
    student_name: str
    student_email: str
    currency: str
    issue_date: date
    due_date: date
    total: int
    paid: int
    credit: int
    status: str

    @property
    def balance(self) -> int:
        return max(self.total - self.paid, 0)

    @classmethod
    def from_row(cls, r: Sequence[Any]) -> InvoiceRow:
        """From a row of the invoice summary query, in its column order (whichever driver
        ran it: SQLAlchemy, or sqlite3 for the desk's cached first page)."""
        return cls(
            id=r[0],
            number=r[1],
            student_number=r[2],
            student_name=r[3],
            student_email=r[4],
            currency=r[5],
            issue_date=r[6],
            due_date=r[7],
            total=int(r[8]),
            paid=int(r[9]),
            credit=int(r[10]),
            status=str(r[11]),
        )


@dataclass(frozen=True)
class ComponentView:
    id: int
    name: str
    amount: int
    paid: int
    priority: int

    @property
    def balance(self) -> int:
        return self.amount - self.paid


@dataclass(frozen=True)
class AllocationView:
    component: str
    amount: int


@dataclass(frozen=True)
class PaymentView:
    id: int
    stripe_payment_intent: str
    amount: int
    refunded: int
    channel: str
    card_brand: str
    card_last4: str
    source: str
    desk: str
    flag: str
    received_at: datetime
    receipt_number: str | None
    allocations: list[AllocationView]
    payout: str | None = None  # the Stripe payout that took it to the bank, once synced
    method: str = "card"  # card | upi | cash | cheque | dd | bank_transfer
    upi_vpa: str = ""  # masked: pay•••@okaxis
    status: str = "paid"  # paid | pending_clearance | bounced (cheques and drafts)
    instrument: dict[str, Any] | None = None  # cheque or dd: {kind, number, bank, date}
    reference: str | None = None  # bank transfer: the UTR
    tendered: int | None = None  # cash handed over (the change is tendered - amount)
    attempt_id: str | None = None

    @property
    def payment_intent(self) -> str | None:
        """Stripe's PaymentIntent id; None for counter tenders (cash, cheques, transfers)."""
        return (
            None
            if self.instrument or self.reference or self.tendered is not None
            else (self.stripe_payment_intent)
        )


@dataclass(frozen=True)
class RefundView:
    id: int
    payment_intent: str
    stripe_refund_id: str | None
    amount: int
    status: str
    reason: str
    failure_reason: str
    created_at: datetime
    receipt_number: str | None


@dataclass(frozen=True)
class ReceiptView:
    number: str
    kind: str
    issued_at: datetime
    file_path: str | None
    sha256: str | None


@dataclass(frozen=True)
class InvoiceDetail:
    row: InvoiceRow
    student_phone: str
    programme: str
    components: list[ComponentView]
    payments: list[PaymentView] = field(default_factory=list)
    refunds: list[RefundView] = field(default_factory=list)
    receipts: list[ReceiptView] = field(default_factory=list)


def money_json(minor: int, currency: str, locale: str) -> dict[str, Any]:
    return {"amount": minor, "formatted": format_money(minor, currency, locale)}


def row_json(row: InvoiceRow, locale: str = "en_IN") -> dict[str, Any]:
    cur = row.currency

    def fmt(minor: int) -> str:
        return format_money(minor, cur, locale)

    return {
        "number": row.number,
        "student": {
            "number": row.student_number,
            "name": row.student_name,
            "email": row.student_email,
        },
        "currency": cur,
        "issue_date": row.issue_date.isoformat(),
        "due_date": row.due_date.isoformat(),
        "total": row.total,
        "total_formatted": fmt(row.total),
        "paid": row.paid,
        "paid_formatted": fmt(row.paid),
        "balance": row.balance,
        "balance_formatted": fmt(row.balance),
        "credit": row.credit,
        "credit_formatted": fmt(row.credit),
        "status": row.status,
    }


def detail_json(d: InvoiceDetail, locale: str = "en_IN") -> dict[str, Any]:
    cur = d.row.currency

    def fmt(minor: int) -> str:
        return format_money(minor, cur, locale)

    out = row_json(d.row, locale)
    out["student"].update(phone=d.student_phone, programme=d.programme)
    out["components"] = [_component_json(c, fmt) for c in d.components]
    out["payments"] = [_payment_json(p, fmt) for p in d.payments]
    out["refunds"] = [_refund_json(r, fmt) for r in d.refunds]
    out["receipts"] = [
        {
            "number": r.number,
            "kind": r.kind,
            "issued_at": r.issued_at.isoformat(),
            "file": r.file_path,
            "sha256": r.sha256,
        }
        for r in d.receipts
    ]
    return out


def _component_json(c: ComponentView, fmt: Callable[[int], str]) -> dict[str, Any]:
    return {
        "name": c.name,
        "priority": c.priority,
        "amount": c.amount,
        "paid": c.paid,
        "balance": c.balance,
        "formatted": {"amount": fmt(c.amount), "paid": fmt(c.paid), "balance": fmt(c.balance)},
    }


def _payment_json(p: PaymentView, fmt: Callable[[int], str]) -> dict[str, Any]:
    return {
        "payment_intent": p.payment_intent,
        "amount": p.amount,
        "formatted": fmt(p.amount),
        "refunded": p.refunded,
        "channel": p.channel,
        "method": p.method or None,
        "card": {"brand": p.card_brand, "last4": p.card_last4}
        if p.card_last4 and p.method == "card"
        else None,
        "upi": {"vpa": p.upi_vpa} if p.method == "upi" else None,
        "status": p.status,
        "instrument": p.instrument,
        "reference": p.reference,
        "tendered": p.tendered,
        "attempt_id": p.attempt_id,
        "source": p.source,
        "desk": p.desk,
        "flag": p.flag or None,
        "received_at": p.received_at.isoformat(),
        "receipt": p.receipt_number,
        "allocations": [{"component": a.component, "amount": a.amount} for a in p.allocations],
        "payout": p.payout,
    }


def _refund_json(r: RefundView, fmt: Callable[[int], str]) -> dict[str, Any]:
    return {
        "payment_intent": r.payment_intent,
        "refund": r.stripe_refund_id,
        "amount": r.amount,
        "formatted": fmt(r.amount),
        "status": r.status,
        "reason": r.reason,
        "failure_reason": r.failure_reason or None,
        "created_at": r.created_at.isoformat(),
        "receipt": r.receipt_number,
    }
