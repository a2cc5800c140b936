"""Closing attempts from the desk's side: a status the desk decided (failed, expired,
cancelled) recorded and published, and a link Stripe confirmed closed.

Below kiosk.payments.attempts and the follow-up outbox's worker (kiosk.payments.followups),
which both close attempts; it imports neither, so closing never re-enters the work after
commit (a status the desk set has no Stripe work left to follow it).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from kiosk.ledger.types import utcnow
from kiosk.payments.apply import Applier
from kiosk.payments.attempt_views import AttemptView, find_attempt, view_of
from kiosk.payments.lateness import mark_closed
from kiosk.payments.results import publish_result
from kiosk.payments.status import PaymentStatus

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway


def local_applier(ctx: Context, s: Session) -> Applier:
    """An applier for statuses the desk sets itself (its source is the desk's poll)."""
    return Applier(s, "poll", ctx.desk, None, ctx.settings)


def close_locally(
    ctx: Context,
    public_id: str,
    status: PaymentStatus,
    reason: str,
    closed: datetime | None = None,
) -> AttemptView:
    """Record `status` for the attempt (and when Stripe confirmed it closed), then publish."""
    with ctx.ledger.begin() as s:
        if closed is not None:
            mark_closed(s, public_id, closed)
        a = find_attempt(s, public_id)
        result = local_applier(ctx, s).set_status_of(public_id, status, reason)
        view = view_of(s, a)
    publish_result(result)
    return view


def confirmed_closed(ctx: Context, public_id: str, at: datetime) -> None:
    """Stripe confirmed the close: record it at once, before anything else can fail."""
    with ctx.ledger.begin() as s:
        mark_closed(s, public_id, at)


def deactivate_link(
    gateway: StripeGateway, public_id: str, link_id: str, message: str | None = None
) -> datetime:
    """Deactivate the link; returns when Stripe confirmed it (see kiosk.payments.lateness)."""
    gateway.deactivate_payment_link(link_id, f"kiosk:{public_id}:deactivate", message)
    return utcnow()
