"""The outbox of Stripe work owed after a ledger commit: arming it.

Applying a payment can leave work for Stripe: a paid or cancelled link must be
deactivated (else a student can still pay it), fee slips that no longer ask for the
balance must be, and card details an event did not carry are read. That work is owed
in the same transaction as its cause: a link's by `arm`, a new payment's by the payment
row itself (`followed_up_at` NULL, so the hot path pays no extra write; `adopt_payments`
arms its follow-ups later). kiosk.payments.followups does the work after commit.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kiosk.ledger.fastsql import dialect_insert, table, write
from kiosk.ledger.models import FollowUp, Payment
from kiosk.ledger.types import utcnow

if TYPE_CHECKING:
    from kiosk.context import Context


class FollowUpKind(StrEnum):
    """The Stripe work a commit can owe (`payment_followups.kind`)."""

    DEACTIVATE_LINK = "deactivate_link"  # a paid or cancelled link: no second payment
    STALE_FEE_SLIPS = "stale_fee_slips"  # the invoice's slips that no longer ask its balance
    FILL_CARD = "fill_card"  # card or UPI details an event did not carry
    READ_REFUNDS = "read_refunds"  # a charge.refunded event without its refunds: list them


DEACTIVATE_LINK, STALE_FEE_SLIPS = FollowUpKind.DEACTIVATE_LINK, FollowUpKind.STALE_FEE_SLIPS
FILL_CARD, READ_REFUNDS = FollowUpKind.FILL_CARD, FollowUpKind.READ_REFUNDS
BATCH = 100
_ARM: dict[str, Any] = {}


def arm(session: Session, kind: FollowUpKind, target: object, detail: str = "") -> None:
    """Owe `kind` for `target`, in the caller's transaction. Arming one that is pending
    or done re-arms it (a second balance change needs a second fee-slip check)."""
    dialect = session.get_bind().dialect.name
    stmt = _ARM.get(dialect)
    if stmt is None:
        base = dialect_insert(session)(table(FollowUp))
        again = ("detail", "armed_at", "next_attempt_at", "done_at", "tries", "last_error")
        stmt = _ARM[dialect] = base.on_conflict_do_update(
            index_elements=["kind", "target"], set_={c: base.excluded[c] for c in again}
        )
    now = utcnow()
    row = {
        "kind": kind.value,
        "target": str(target),
        "detail": detail,
        "tries": 0,
        "armed_at": now,
        "next_attempt_at": now,
        "done_at": None,
        "last_error": "",
    }
    write(session, stmt, row)


def pending(ctx: Context) -> int:
    """How many follow-ups are owed (for status lines)."""
    with ctx.ledger.read() as s:
        return int(
            s.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.done_at.is_(None)))
            or 0
        )


def adopt_payments(ctx: Context) -> None:
    """Arm the follow-ups of payments recorded since the last call: expire the invoice's
    fee slips that no longer ask for its balance, read card details an event lacked."""
    p = Payment
    while True:
        with ctx.ledger.begin() as s:
            rows = s.execute(
                select(p.id, p.invoice_id, p.stripe_payment_intent, p.card_last4, p.upi_vpa)
                .where(p.followed_up_at.is_(None))
                .order_by(p.id)
                .limit(BATCH)
            ).all()
            for row in rows:
                arm(s, STALE_FEE_SLIPS, row.invoice_id)
                if not row.card_last4 and not row.upi_vpa:  # how it was paid: read it
                    arm(s, FILL_CARD, row.id, row.stripe_payment_intent)
            s.execute(
                update(p).where(p.id.in_([r.id for r in rows])).values(followed_up_at=utcnow())
            )
        if len(rows) < BATCH:
            return
