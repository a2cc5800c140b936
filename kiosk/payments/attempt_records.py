"""Writing a payment attempt to the ledger before Stripe hears of it, and when it expires."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from kiosk.ledger import audit
from kiosk.ledger.models import PaymentAttempt
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import StaffUser
from kiosk.payments import methods as pay_methods
from kiosk.payments.errors import AttemptBusy
from kiosk.payments.payable import amount_to_charge
from kiosk.payments.status import PaymentStatus

if TYPE_CHECKING:
    from kiosk.context import Context

EXPIRY_MARGIN = timedelta(minutes=2)  # Stripe wants ≥ 30 min *after it creates* the session


def record_attempt(
    ctx: Context,
    number: str,
    amount: int | None,
    kind: str,
    staff: StaffUser | None,
    live: bool,
    methods: tuple[str, ...] | None = None,
) -> str:
    """Write the attempt before Stripe hears of it."""
    minutes = int(ctx.settings.get("stripe.session_minutes"))
    now = utcnow().replace(microsecond=0)
    expires = (
        now + timedelta(minutes=minutes) + (EXPIRY_MARGIN if kind == "checkout" else timedelta(0))
    )
    if kind == "checkout":
        expires = min(expires, now + timedelta(hours=24) - EXPIRY_MARGIN)
    try:
        with ctx.ledger.begin() as s:
            inv, amount = amount_to_charge(ctx, s, number, amount)
            a = PaymentAttempt(
                public_id="pa_" + secrets.token_hex(10),
                invoice_id=inv.id,
                live_invoice_id=inv.id if live else None,
                channel=kind,
                amount=amount,
                currency=inv.currency,
                status=PaymentStatus.CREATED.value,
                expires_at=fee_slip_expiry(ctx, inv.due_date, now)
                if kind == "fee_slip"
                else expires,
                desk=ctx.desk,
                staff_user_id=staff.id if staff else None,
                methods=",".join(
                    methods
                    or pay_methods.offered(ctx.settings.get("payments.methods"), inv.currency)
                ),
                created_at=now,
                updated_at=now,
            )
            s.add(a)
            s.flush()
            audit.record(
                s,
                "payment.started",
                username=staff.username if staff else "",
                desk=ctx.desk,
                target=number,
                attempt=a.public_id,
                amount=amount,
                channel=kind,
            )
            return a.public_id
    except IntegrityError:
        raise AttemptBusy(
            f"another payment for {number} was started at the same moment; try again"
        ) from None


def fee_slip_expiry(ctx: Context, due: date, issued: datetime) -> datetime:
    """`fee_slips.link_days` after the due date's end (desk time), or after issue if later."""
    tz = ZoneInfo(str(ctx.settings.get("desk.timezone")))
    end_of_due = datetime.combine(due + timedelta(days=1), time(), tzinfo=tz)
    days = timedelta(days=int(ctx.settings.get("fee_slips.link_days")))
    return max(end_of_due, issued) + days
