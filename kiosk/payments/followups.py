"""The outbox's worker: the Stripe work owed after a ledger commit, done.

What is owed is armed in the same transaction as its cause (kiosk.payments.outbox).
`work_through`, which every poll, sync page, reconcile and `finish` calls, does what is
due after commit: a crash between the commit and the call only delays it. Each kind is
idempotent, so doing one twice is harmless; a failure is retried with backoff.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from kiosk.ledger.fastsql import run
from kiosk.ledger.models import FollowUp
from kiosk.ledger.types import utcnow
from kiosk.payments import ledger_writes as db
from kiosk.payments import methods as pay_methods
from kiosk.payments.apply import Applier
from kiosk.payments.closing import deactivate_link
from kiosk.payments.errors import NotFound, PaymentError, StripeUnavailable
from kiosk.payments.fee_slips import deactivate_stale_fee_slips
from kiosk.payments.outbox import (
    BATCH,
    DEACTIVATE_LINK,
    FILL_CARD,
    READ_REFUNDS,
    STALE_FEE_SLIPS,
    FollowUpKind,
    adopt_payments,
)
from kiosk.payments.recording import card_of
from kiosk.payments.refund_apply import apply_refund_object
from kiosk.payments.results import publish_result

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

GIVE_UP_AFTER = 12  # tries (about a day of backoff) before a refused follow-up is dropped
_busy = threading.local()


def work_through(
    ctx: Context, gateway: StripeGateway | None, kind: FollowUpKind | None = None
) -> int:
    """Do the follow-ups that are due (of `kind`, or all), each outside any ledger
    transaction. Returns how many were done. Stops early while Stripe is unreachable
    (the next call resumes)."""
    if gateway is None or getattr(_busy, "on", False):
        return 0
    _busy.on = True
    try:
        return _work(ctx, gateway, kind)
    finally:
        _busy.on = False


def _work(ctx: Context, gateway: StripeGateway, kind: FollowUpKind | None) -> int:
    adopt_payments(ctx)
    f = FollowUp
    query = (
        select(f.id, f.kind, f.target, f.detail, f.armed_at, f.tries)
        .where(f.done_at.is_(None), f.next_attempt_at <= utcnow())
        .order_by(f.id)
        .limit(BATCH)
    )
    with ctx.ledger.begin() as s:
        due = s.execute(query if kind is None else query.where(f.kind == kind.value)).all()
    done = 0
    for row in due:
        try:
            _do(ctx, gateway, row.kind, row.target, row.detail)
        except NotFound:
            pass  # nothing left at Stripe to act on: done
        except PaymentError as exc:
            _failed(ctx, row, exc)
            if isinstance(exc, StripeUnavailable):
                break
            continue
        _settle(ctx, row.id, row.armed_at, done=True)
        done += 1
    return done


def _do(ctx: Context, gateway: StripeGateway, kind: str, target: str, detail: str) -> None:
    if kind not in set(FollowUpKind):
        log.warning("unknown follow-up %r for %s: dropped", kind, target)
    elif kind == DEACTIVATE_LINK:
        deactivate_link(gateway, target, detail)
    elif kind == STALE_FEE_SLIPS:
        deactivate_stale_fee_slips(ctx, gateway, int(target))
    elif kind == FILL_CARD:
        fill_card_from_stripe(ctx, gateway, int(target), detail)
    elif kind == READ_REFUNDS:
        read_charge_refunds(ctx, gateway, target)


def _failed(ctx: Context, row: Any, exc: PaymentError) -> None:
    tries = row.tries + 1
    log.warning("follow-up %s for %s failed (try %d): %s", row.kind, row.target, tries, exc.message)
    give_up = tries >= GIVE_UP_AFTER and not isinstance(exc, StripeUnavailable)
    wait = timedelta(seconds=min(5 * 2**tries, 3600))
    _settle(ctx, row.id, row.armed_at, done=give_up, tries=tries, error=exc.message, wait=wait)


def _settle(
    ctx: Context,
    row_id: int,
    armed_at: Any,
    *,
    done: bool,
    tries: int | None = None,
    error: str = "",
    wait: timedelta = timedelta(0),
) -> None:
    """Record the outcome, unless the follow-up was re-armed meanwhile (then it runs again)."""
    values: dict[str, Any] = {"last_error": error[:500], "next_attempt_at": utcnow() + wait}
    if done:
        values["done_at"] = utcnow()
    if tries is not None:
        values["tries"] = tries
    with ctx.ledger.begin() as s:
        s.execute(
            update(FollowUp)
            .where(FollowUp.id == row_id, FollowUp.armed_at == armed_at)
            .values(values)
        )


def fill_card_from_stripe(
    ctx: Context, gateway: StripeGateway, payment_id: int, pi_id: str
) -> None:
    """Read the card's brand and last 4 from the PaymentIntent's charge (events about a
    Checkout Session carry the PaymentIntent only as an id)."""
    charge = gateway.retrieve_payment_intent(pi_id).get("latest_charge")
    brand, last4 = card_of(charge)
    if last4:
        with ctx.ledger.begin() as s:
            run(s, db.SET_CARD_IF_BLANK, {"pid": payment_id, "brand": brand, "last4": last4})
    pay_methods.fill_method(ctx, payment_id, charge)


def read_charge_refunds(ctx: Context, gateway: StripeGateway, charge_id: str) -> None:
    """Apply the refunds of a charge whose `charge.refunded` event did not list them."""
    found = list(gateway.list_refunds(charge=charge_id))
    with ctx.ledger.begin() as s:
        ap = Applier(s, "poll", ctx.desk, None, ctx.settings, trusted=True)
        results = [apply_refund_object(ap, refund) for refund in found]
    for result in results:
        publish_result(result)
