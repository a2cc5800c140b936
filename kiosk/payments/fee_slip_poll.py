"""Fee-slip links, all of them, in one events-list call per desk per interval.

A fee slip's Payment Link may be paid any day by anyone holding the slip, so polling each
link (a sessions list plus an events list) on every pass of every desk grew with the
slips: 20 slips cost 40 calls a pass. Instead each desk reads Stripe's events list once,
from a cursor kept per desk (`created` greater than the cursor less a short overlap, since
Stripe's list can lag and `created` is whole seconds), keeps the session events of our
fee-slip links, and hands them to the one apply path (duplicates cost one statement).
Links past their expiry (`fee_slips.link_days`) are deactivated here, once each.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.ledger.models import KeyValue, PaymentAttempt
from kiosk.ledger.types import utcnow
from kiosk.payments import stripe_shapes as shapes
from kiosk.payments.after_commit import finish
from kiosk.payments.apply import ApplyResult, event_work
from kiosk.payments.attempt_views import AttemptView
from kiosk.payments.errors import PaymentError, StripeUnavailable
from kiosk.payments.fee_slips import close_fee_slip
from kiosk.payments.recording import stripe_id_of
from kiosk.payments.status import LIVE, PaymentStatus, StatusChange
from kiosk.payments.verify import apply_in_ledger

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

SLIP_EVENTS = [
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
]
OVERLAP = 60  # seconds read again each pass
EVENTS_KEPT = timedelta(days=30)  # Stripe's events list goes back this far
LINK_SESSION_LIFE = timedelta(hours=24)  # a session opened before a deactivation may finish
EXPIRED_MESSAGE = (
    "This fee slip's payment link has expired. Please ask the fee desk for a new slip."
)
_LIVE = [st.value for st in LIVE]


def cursor_key(desk: str) -> str:
    return f"fee-slip-events:{desk}"


def watched_links(s: Session) -> dict[str, str]:
    """Payment Link id → attempt, for fee slips Stripe may still take money on: live ones
    and those closed in the last 24 hours."""
    a = PaymentAttempt
    recent = a.status.in_([PaymentStatus.EXPIRED.value, PaymentStatus.CANCELLED.value]) & (
        a.updated_at >= utcnow() - LINK_SESSION_LIFE
    )
    rows = s.execute(
        select(a.stripe_id, a.public_id).where(
            a.channel == "fee_slip", a.stripe_id.is_not(None), a.status.in_(_LIVE) | recent
        )
    )
    return {str(link): public_id for link, public_id in rows}


def poll_fee_slips(ctx: Context, gateway: StripeGateway) -> list[StatusChange]:
    """Expire due links, then one events-list pass for every fee slip. Raises
    StripeUnavailable (the caller retries later). Slips made stale by a payment or refund
    are closed by the outbox follow-up their cause armed (kiosk.payments.followups)."""
    expire_due_fee_slips(ctx, gateway)
    with ctx.ledger.begin() as s:
        links = watched_links(s)
        since = _since(s, ctx.desk)
    if not links:
        return []
    newest, ours = since, []
    for event in gateway.list_events(SLIP_EVENTS, max(0, since - OVERLAP) + 1):
        newest = max(newest, int(event.get("created") or 0))
        link = _link_of(event)
        if link is not None and link in links:
            ours.append(event)
    results: list[ApplyResult] = []
    for event in reversed(ours):  # the list is newest first
        # Anything to verify is read from Stripe between short transactions, never in one.
        work = event_work(event, source="poll", desk=ctx.desk, settings=ctx.settings)
        results.append(apply_in_ledger(ctx, gateway, work))
    with ctx.ledger.begin() as s:
        _store(s, ctx.desk, min(newest, int(utcnow().timestamp())))
    finish(ctx, gateway, results)
    return [c for r in results for c in r.changes]


def expire_due_fee_slips(ctx: Context, gateway: StripeGateway) -> list[AttemptView]:
    """Deactivate the links of live fee slips past their expiry."""
    with ctx.ledger.begin() as s:
        due = [
            (public_id, link_id)
            for public_id, link_id in s.execute(
                select(PaymentAttempt.public_id, PaymentAttempt.stripe_id).where(
                    PaymentAttempt.channel == "fee_slip",
                    PaymentAttempt.status.in_(_LIVE),
                    PaymentAttempt.expires_at <= utcnow(),
                )
            )
        ]
    return _close_all(ctx, gateway, due, "fee slip link expired", EXPIRED_MESSAGE)


def _close_all(
    ctx: Context,
    gateway: StripeGateway,
    slips: list[tuple[str, str | None]],
    reason: str,
    message: str | None = None,
) -> list[AttemptView]:
    out = []
    for public_id, link_id in slips:
        try:
            out.append(close_fee_slip(ctx, gateway, public_id, link_id, reason, message))
        except StripeUnavailable:
            raise
        except PaymentError as exc:  # one link Stripe refuses must not stop the others
            log.warning("closing fee slip %s (%s): %s", public_id, reason, exc.message)
    return out


def _link_of(event: shapes.Event) -> str | None:
    obj = cast(shapes.CheckoutSession, (event.get("data") or {}).get("object") or {})
    return stripe_id_of(obj.get("payment_link"))


def _since(s: Session, desk: str) -> int:
    row = s.get(KeyValue, cursor_key(desk))
    if row is not None:
        return int(row.value)
    oldest = s.scalar(
        select(PaymentAttempt.created_at)
        .where(PaymentAttempt.channel == "fee_slip")
        .order_by(PaymentAttempt.created_at)
        .limit(1)
    )
    start = max(oldest or utcnow(), utcnow() - EVENTS_KEPT)
    return int(start.timestamp())


def _store(s: Session, desk: str, cursor: int) -> None:
    row = s.get(KeyValue, cursor_key(desk))
    if row is None:
        s.add(KeyValue(key=cursor_key(desk), value=str(cursor)))
    else:
        row.value = str(cursor)
