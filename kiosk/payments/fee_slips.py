"""Fee slips out of date: a slip's Payment Link asks for the balance it was printed for,
so when the balance changes (or the invoice is void) the link is deactivated, with a
message the student sees, and the slip is marked expired.

Creating a slip's link is kiosk.payments.attempts.create_fee_slip_link; polling for slips
paid is kiosk.payments.fee_slip_poll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, true

from kiosk.ledger.invoices import invoice_row
from kiosk.ledger.models import Invoice, PaymentAttempt
from kiosk.payments.attempt_views import AttemptView
from kiosk.payments.closing import close_locally, deactivate_link
from kiosk.payments.status import LIVE, PaymentStatus

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

OUT_OF_DATE = "fee slip out of date: the balance changed"


def deactivate_stale_fee_slips(
    ctx: Context, gateway: StripeGateway, invoice_id: int, every: bool = False
) -> list[AttemptView]:
    """Deactivate the invoice's live fee-slip links that no longer ask for its balance (the
    student sees that the slip is out of date), or `every` live one (a void invoice).
    Returns the slips deactivated."""
    with ctx.ledger.begin() as s:
        number = s.scalar(select(Invoice.number).where(Invoice.id == invoice_id))
        if number is None:
            return []
        balance = invoice_row(s, number).balance
        slips = list(
            s.execute(
                select(PaymentAttempt.public_id, PaymentAttempt.stripe_id).where(
                    PaymentAttempt.invoice_id == invoice_id,
                    PaymentAttempt.channel == "fee_slip",
                    PaymentAttempt.status.in_([st.value for st in LIVE]),
                    true() if every else PaymentAttempt.amount != balance,
                )
            ).all()
        )
    return [
        close_fee_slip(ctx, gateway, public_id, link_id, OUT_OF_DATE)
        for public_id, link_id in slips
    ]


def close_fee_slip(
    ctx: Context,
    gateway: StripeGateway,
    public_id: str,
    link_id: str | None,
    reason: str,
    message: str | None = None,
) -> AttemptView:
    """Deactivate a fee slip's link (raises if Stripe cannot be told), then mark it expired.
    `message` replaces the link's inactive message (the page the student sees)."""
    closed = deactivate_link(gateway, public_id, link_id, message) if link_id else None
    return close_locally(ctx, public_id, PaymentStatus.EXPIRED, reason, closed)
