"""The outbox of Stripe work owed after a ledger commit.

Applying a payment can leave work for Stripe: a paid or cancelled link must be
deactivated (else a student can still pay it), fee slips that no longer ask for the
balance must be, and card details an event did not carry are read. That work is owed
in the same transaction as its cause: a link's by `arm`, a new payment's by the payment
row itself (`followed_up_at` NULL, so the hot path pays no extra write; `adopt_payments`
arms its follow-ups later). `work_through`, which every poll, sync page, reconcile and
`finish` calls, does what is due after commit: a crash between the commit and the call
only delays it. Each kind is idempotent, so doing one twice is harmless; a failure is
retried with backoff.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.ledger.fastsql import dialect_insert, run, table, write
from kiosk.ledger.models import FollowUp, Payment
from kiosk.ledger.types import utcnow
from kiosk.payments.errors import NotFound, PaymentError, StripeUnavailable

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

DEACTIVATE_LINK, STALE_FEE_SLIPS, FILL_CARD = "deactivate_link", "stale_fee_slips", "fill_card"
READ_REFUNDS = "read_refunds"  # a charge.refunded event without its refunds: list them
GIVE_UP_AFTER = 12  # tries (about a day of backoff) before a refused follow-up is dropped
BATCH = 100
_ARM: dict[str, Any] = {}
_busy = threading.local()


def arm(session: Session, kind: str, target: object, detail: str = "") -> None:
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
        "kind": kind,
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
    from sqlalchemy import func

    with ctx.ledger.read() as s:
        return int(
            s.scalar(select(func.count()).select_from(FollowUp).where(FollowUp.done_at.is_(None)))
            or 0
        )


def work_through(ctx: Context, gateway: StripeGateway | None, kind: str | None = None) -> int:
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


def _work(ctx: Context, gateway: StripeGateway, kind: str | None) -> int:
    adopt_payments(ctx)
    f = FollowUp
    query = (
        select(f.id, f.kind, f.target, f.detail, f.armed_at, f.tries)
        .where(f.done_at.is_(None), f.next_attempt_at <= utcnow())
        .order_by(f.id)
        .limit(BATCH)
    )
    with ctx.ledger.begin() as s:
        due = s.execute(query if kind is None else query.where(f.kind == kind)).all()
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
    from kiosk.payments import attempts

    if kind == DEACTIVATE_LINK:
        attempts.deactivate_link(gateway, target, detail)
    elif kind == STALE_FEE_SLIPS:
        attempts.deactivate_stale_fee_slips(ctx, gateway, int(target))
    elif kind == FILL_CARD:
        fill_card_from_stripe(ctx, gateway, int(target), detail)
    elif kind == READ_REFUNDS:
        read_charge_refunds(ctx, gateway, target)
    else:
        log.warning("unknown follow-up %r for %s: dropped", kind, target)


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
    from kiosk.payments import ledger_writes as db
    from kiosk.payments import methods as pay_methods
    from kiosk.payments.recording import _card

    charge = gateway.retrieve_payment_intent(pi_id).get("latest_charge")
    brand, last4 = _card(charge)
    if last4:
        with ctx.ledger.begin() as s:
            run(s, db.SET_CARD_IF_BLANK, {"pid": payment_id, "brand": brand, "last4": last4})
    pay_methods.fill_method(ctx, payment_id, charge)


def read_charge_refunds(ctx: Context, gateway: StripeGateway, charge_id: str) -> None:
    """Apply the refunds of a charge whose `charge.refunded` event did not list them."""
    from kiosk.payments.apply import Applier
    from kiosk.payments.refund_apply import apply_refund_object
    from kiosk.payments.results import publish_result

    found = list(gateway.list_refunds(charge=charge_id))
    with ctx.ledger.begin() as s:
        ap = Applier(s, "poll", ctx.desk, None, ctx.settings, trusted=True)
        results = [apply_refund_object(ap, refund) for refund in found]
    for result in results:
        publish_result(result)
