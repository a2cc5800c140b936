"""Tell the relay which receipt the desk issued for each paid Checkout Session, so the
payer's confirmation page (the relay's GET /paid) can show its number.

A courtesy, not part of the money path: best effort after the page is applied, and a
failure is only logged (the receipt is printed and emailed as ever). Sessions paid
through any source are reported when their completion event comes through the relay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from kiosk.ledger.models import Payment, Receipt

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.sync.client import RelayClient, RelayEvent

log = logging.getLogger(__name__)
PAID_TYPES = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})


def paid_sessions(events: Iterable[RelayEvent]) -> list[str]:
    out = []
    for e in events:
        if e.type in PAID_TYPES:
            obj: Any = (e.payload.get("data") or {}).get("object") or {}
            if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                out.append(obj["id"])
    return out


def report_receipts(ctx: Context, client: RelayClient, events: list[RelayEvent]) -> int:
    """Report the receipts of the page's paid sessions; returns how many were taken."""
    sessions = paid_sessions(events)
    if not sessions:
        return 0
    with ctx.ledger.read() as s:
        found = s.execute(
            select(Payment.stripe_session_id, Receipt.number)
            .join(Receipt, Receipt.payment_id == Payment.id)
            .where(Payment.stripe_session_id.in_(sessions))
        ).all()
    taken = 0
    for session_id, number in found:
        try:
            taken += client.report_receipt(str(session_id), str(number))
        except Exception as exc:
            log.info("could not tell the relay receipt %s: %s", number, type(exc).__name__)
    return taken
