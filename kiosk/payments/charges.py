"""What Stripe is asked for: an attempt's charge, rebuilt from what the ledger stored, and
the student's Stripe Customer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.ledger.allocation import ComponentDue, allocate
from kiosk.ledger.models import Allocation, FeeComponent, Invoice, PaymentAttempt, Student, User
from kiosk.payments import methods as pay_methods
from kiosk.payments import stripe_params
from kiosk.payments.errors import NotFound

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway


def paid_before(s: Session, invoice_id: int, at: datetime) -> dict[int, int]:
    """Per-component paid figures as they stood at `at` (a stable base for line items)."""
    rows = s.execute(
        select(Allocation.component_id, func.sum(Allocation.amount))
        .join(FeeComponent, FeeComponent.id == Allocation.component_id)
        .where(FeeComponent.invoice_id == invoice_id, Allocation.created_at < at)
        .group_by(Allocation.component_id)
    )
    return {cid: int(total) for cid, total in rows}


def charge_for(s: Session, a: PaymentAttempt) -> stripe_params.Charge:
    """The Stripe request for an attempt, rebuilt from what the ledger stored."""
    inv = s.get(Invoice, a.invoice_id)
    assert inv is not None
    st = s.get(Student, inv.student_id)
    assert st is not None
    paid = paid_before(s, inv.id, a.created_at)
    comps = {c.id: c for c in inv.components}
    split = allocate(
        a.amount,
        [
            ComponentDue(c.id, c.amount, paid.get(c.id, 0), c.priority, c.due_date, c.position)
            for c in comps.values()
        ],
    )
    covers = ", ".join(comps[cid].name for cid, _ in split.parts) or "fees"
    staff = (
        s.scalar(select(User.username).where(User.id == a.staff_user_id)) if a.staff_user_id else ""
    )
    expires = int(a.expires_at.timestamp()) if a.expires_at else 0
    return stripe_params.Charge(
        a.public_id,
        inv.number,
        st.name,
        st.number,
        a.amount,
        a.currency,
        covers,
        a.desk,
        staff or "",
        expires,
        st.stripe_customer_id,
        st.email,
        pay_methods.stored(a.methods),
    )


def ensure_customer(ctx: Context, gateway: StripeGateway, invoice_number: str) -> str:
    """The student's Stripe Customer: stored id, else found by email, else created once."""
    with ctx.ledger.begin() as s:
        st = s.scalar(
            select(Student)
            .join(Invoice, Invoice.student_id == Student.id)
            .where(Invoice.number == invoice_number)
        )
        if st is None:
            raise NotFound(f"no invoice numbered {invoice_number!r}")
        if st.stripe_customer_id:
            return st.stripe_customer_id
        email, name, number, sid = st.email, st.name, st.number, st.id
    customer = gateway.find_or_create_customer(
        email=email,
        name=name,
        student_number=number,
        idempotency_key=f"kiosk:student:{number}:customer",
    )
    with ctx.ledger.begin() as s:
        st = s.get(Student, sid)
        if st is not None and not st.stripe_customer_id:
            st.stripe_customer_id = customer
    return customer
