"""Which Stripe payout paid a payment to the bank (from the lines `payouts sync` stored).

A payment swept by a payout that later failed is settled by the payout that returned the
failed one's money (its `payout_failure` line), and so on.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.ledger.models import PayoutLine, StripePayout

MAX_HOPS = 20


def settled_payouts(s: Session, payment_intents: Iterable[str]) -> dict[str, str]:
    """PaymentIntent -> the paid payout that took it to the bank, for those that have one."""
    wanted = list(payment_intents)
    if not wanted:
        return {}
    swept = {
        pi: po
        for pi, po in s.execute(
            select(PayoutLine.payment_intent, PayoutLine.payout_id).where(
                PayoutLine.payment_intent.in_(wanted), PayoutLine.payout_id.is_not(None)
            )
        )
        if pi and po
    }
    if not swept:
        return {}
    status = dict(s.execute(select(StripePayout.id, StripePayout.status)).all())
    returned_in = {
        source: po
        for source, po in s.execute(
            select(PayoutLine.source, PayoutLine.payout_id).where(
                PayoutLine.type == "payout_failure"
            )
        )
        if po
    }
    found = {}
    for pi, payout_id in swept.items():
        paid = _paid_payout(payout_id, status, returned_in)
        if paid:
            found[pi] = paid
    return found


def _paid_payout(payout_id: str, status: dict[str, str], returned_in: dict[str, str]) -> str | None:
    current: str | None = payout_id
    for _ in range(MAX_HOPS):
        if current is None:
            return None
        if status.get(current) == "paid":
            return current
        current = returned_in.get(current) if status.get(current) == "failed" else None
    return None
