"""Payment attempts as the desk, the CLI and the poller see them: `AttemptView`, one or a list."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.ledger.models import Invoice, PaymentAttempt, Student
from kiosk.payments import methods as pay_methods
from kiosk.payments.errors import NotFound
from kiosk.payments.status import LIVE, PaymentStatus

if TYPE_CHECKING:
    from kiosk.context import Context


@dataclass(frozen=True)
class AttemptView:
    public_id: str
    invoice_number: str
    student_name: str
    amount: int
    currency: str
    channel: str
    url: str | None
    stripe_id: str | None
    expires_at: datetime | None
    status: PaymentStatus
    reason: str
    created_at: datetime
    methods: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "attempt_id": self.public_id,
            "invoice": self.invoice_number,
            "amount": self.amount,
            "currency": self.currency,
            "channel": self.channel,
            "url": self.url,
            "stripe_id": self.stripe_id,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "status": self.status.value,
            "reason": self.reason or None,
            "student": self.student_name,
            "created_at": self.created_at.isoformat(),
            "methods": list(self.methods),
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def view_of(s: Session, a: PaymentAttempt) -> AttemptView:
    inv = s.get(Invoice, a.invoice_id)
    name = s.scalar(select(Student.name).where(Student.id == inv.student_id)) if inv else ""
    return AttemptView(
        a.public_id,
        inv.number if inv else "",
        name or "",
        a.amount,
        a.currency,
        a.channel,
        a.url,
        a.stripe_id,
        a.expires_at,
        PaymentStatus(a.status),
        a.last_error or "",
        a.created_at,
        pay_methods.stored(a.methods),
    )


def attempt_view(ctx: Context, public_id: str) -> AttemptView:
    with ctx.ledger.begin() as s:
        return view_of(s, find_attempt(s, public_id))


def list_attempts(
    ctx: Context, open_only: bool = False, invoice_number: str | None = None
) -> list[AttemptView]:
    with ctx.ledger.begin() as s:
        q = select(PaymentAttempt).order_by(
            PaymentAttempt.created_at.desc(), PaymentAttempt.id.desc()
        )
        if open_only:
            q = q.where(PaymentAttempt.status.in_([st.value for st in LIVE]))
        if invoice_number:
            q = q.join(Invoice, Invoice.id == PaymentAttempt.invoice_id).where(
                Invoice.number == invoice_number
            )
        return [view_of(s, a) for a in s.scalars(q)]


def find_attempt(s: Session, public_id: str) -> PaymentAttempt:
    a = s.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == public_id))
    if a is None:
        raise NotFound(f"no payment attempt {public_id!r}")
    return a
