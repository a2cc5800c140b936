"""Money landing in the ledger the way the payments core writes it, for receipt tests.

A payment row, its allocations (kiosk.ledger.allocation) and its receipt row
(kiosk.ledger.numbering) in one transaction; a succeeded refund with its reversal
rows and refund-note receipt likewise.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.ledger.allocation import ComponentDue, Held, allocate, reverse
from kiosk.ledger.models import (
    Allocation,
    FeeComponent,
    Payment,
    Refund,
    User,
)
from kiosk.ledger.numbering import issue_receipt
from kiosk.ledger.users import hash_password

_ids = itertools.count(1)


def new_invoice(
    ledger,
    number: str,
    components: list[tuple[str, int]],
    *,
    student_number: str | None = None,
    name: str = "Asha Verma",
    email: str = "asha.verma@example.edu",
    currency: str = "INR",
    due: date | None = None,
) -> int:
    """A student and an invoice on any ledger; components fill in the order given."""
    from tests.conftest import add_invoice as add

    return add(
        ledger,
        number,
        [(n, a, i) for i, (n, a) in enumerate(components)],
        student_number=student_number or f"S{next(_ids):07d}",
        name=name,
        email=email,
        currency=currency,
        due=due,
    )


def add_cashier(session: Session, username: str = "priya", name: str = "Priya Nair") -> int:
    user = User(
        username=username,
        display_name=name,
        role="cashier",
        password_hash=hash_password("correct horse"),
    )
    session.add(user)
    session.flush()
    return user.id


def pay(
    session: Session,
    invoice_id: int,
    amount: int,
    *,
    prefix: str = "R",
    desk: str = "Desk 1",
    staff_user_id: int | None = None,
    brand: str = "visa",
    last4: str = "4242",
    channel: str = "checkout",
    currency: str = "INR",
    now: datetime | None = None,
    timezone: str = "Asia/Kolkata",
    session_id: str | None = None,
) -> str:
    """Record a payment, allocate it, issue its receipt; returns the receipt number."""
    payment = Payment(
        stripe_session_id=session_id,
        invoice_id=invoice_id,
        stripe_payment_intent=f"pi_test{next(_ids):08d}Qx7LmN2pKv",
        amount=amount,
        currency=currency,
        channel=channel,
        card_brand=brand,
        card_last4=last4,
        desk=desk,
        staff_user_id=staff_user_id,
    )
    if now is not None:
        payment.received_at = now
    session.add(payment)
    session.flush()
    split = allocate(amount, _dues(session, invoice_id))
    session.add_all(
        Allocation(payment_id=payment.id, component_id=cid, amount=amt) for cid, amt in split.parts
    )
    session.flush()
    receipt = issue_receipt(
        session, prefix=prefix, timezone=timezone, desk=desk, payment_id=payment.id, now=now
    )
    return receipt.number


def refund(
    session: Session,
    payment_intent: str,
    amount: int,
    *,
    reason: str = "",
    desk: str = "Desk 1",
    requested_by_id: int | None = None,
) -> str:
    """A refund Stripe has confirmed, its reversal rows and its refund note; the note's number."""
    payment = session.scalar(select(Payment).where(Payment.stripe_payment_intent == payment_intent))
    assert payment is not None
    held = _held(session, payment.id)
    credit = payment.amount - sum(h.amount for h in held)
    row = Refund(
        public_id=f"rf_{next(_ids):08d}",
        payment_id=payment.id,
        stripe_refund_id=f"re_test{next(_ids):08d}Ab3",
        amount=amount,
        currency=payment.currency,
        reason=reason,
        status="succeeded",
        desk=desk,
        requested_by_id=requested_by_id,
    )
    session.add(row)
    session.flush()
    _, parts = reverse(amount, held, credit)
    session.add_all(
        Allocation(payment_id=payment.id, component_id=cid, amount=amt, refund_id=row.id)
        for cid, amt in parts
    )
    session.flush()
    return issue_receipt(
        session, prefix="R", timezone="Asia/Kolkata", desk=desk, refund_id=row.id
    ).number


def _dues(session: Session, invoice_id: int) -> list[ComponentDue]:
    paid = dict(
        session.execute(
            select(Allocation.component_id, func.sum(Allocation.amount))
            .join(FeeComponent, FeeComponent.id == Allocation.component_id)
            .where(FeeComponent.invoice_id == invoice_id)
            .group_by(Allocation.component_id)
        ).all()
    )
    comps = session.scalars(select(FeeComponent).where(FeeComponent.invoice_id == invoice_id))
    return [
        ComponentDue(c.id, c.amount, int(paid.get(c.id, 0)), c.priority, c.due_date, c.position)
        for c in comps
    ]


def _held(session: Session, payment_id: int) -> list[Held]:
    net: dict[int, int] = {}
    first: dict[int, int] = {}
    for a in session.scalars(
        select(Allocation).where(Allocation.payment_id == payment_id).order_by(Allocation.id)
    ):
        net[a.component_id] = net.get(a.component_id, 0) + a.amount
        first.setdefault(a.component_id, a.id)
    return [Held(first[c], c, amt) for c, amt in net.items() if amt > 0]


def payment_intent_of(session: Session, number: str) -> str:
    from kiosk.receipts.facts import receipt_facts

    return receipt_facts(session, number).payment_intent
