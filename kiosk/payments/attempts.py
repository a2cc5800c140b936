"""Starting and cancelling payments: Checkout Sessions, single-use Payment Links, fee slips.

    view = start_payment(ctx, gateway, "INV-2026-0001", 1_500_00, channel="checkout")
    print(view.url)                     # for the desk's browser and the QR code

The attempt is written to the ledger (status `created`) before Stripe is called, and
every create carries an Idempotency-Key derived from it, so after a crash
`resume_in_flight` re-issues the same request and learns what Stripe did. At most one
live desk attempt per invoice (a unique column enforces it): starting a new one cancels
the previous one first. A cancel is recorded at once; if Stripe cannot be told, the poller
keeps trying, and money that arrives anyway is recorded and flagged for staff.

Beside this module: kiosk.payments.payable (what may be charged), attempt_records (the row
written before Stripe is called), charges (the request rebuilt from that row, the
student's Customer), attempt_views (what the desk sees of an attempt), closing (a status
the desk decides, a link closed) and fee_slips (slips deactivated when out of date).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, cast

from sqlalchemy import select

from kiosk.ledger import audit
from kiosk.ledger.models import Invoice, PaymentAttempt
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import StaffUser
from kiosk.payments import methods as pay_methods
from kiosk.payments import stripe_params
from kiosk.payments import stripe_shapes as shapes
from kiosk.payments.after_commit import finish
from kiosk.payments.apply import apply_checkout_session
from kiosk.payments.attempt_records import record_attempt
from kiosk.payments.attempt_views import AttemptView as AttemptView  # re-exported
from kiosk.payments.attempt_views import attempt_view as attempt_view  # re-exported
from kiosk.payments.attempt_views import find_attempt, view_of
from kiosk.payments.attempt_views import list_attempts as list_attempts  # re-exported
from kiosk.payments.charges import charge_for, ensure_customer
from kiosk.payments.closing import close_locally, confirmed_closed, deactivate_link, local_applier
from kiosk.payments.errors import PaymentError, StripeRejected, StripeUnavailable
from kiosk.payments.payable import amount_to_charge
from kiosk.payments.payable import validate_amount as validate_amount  # re-exported
from kiosk.payments.results import publish_result
from kiosk.payments.status import LIVE, PaymentStatus

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

CHANNELS = {"checkout": "checkout", "payment-link": "payment_link", "payment_link": "payment_link"}
UNCONFIRMED_CANCEL = "cancelled at the desk; Stripe not told yet"
CANCELLED = "cancelled at the desk"


# -- starting ------------------------------------------------------------------------------


def start_payment(
    ctx: Context,
    gateway: StripeGateway,
    invoice_number: str,
    amount_minor: int | None = None,
    channel: str = "checkout",
    staff: StaffUser | None = None,
    methods: str | None = None,
) -> AttemptView:
    """Start a Checkout Session or single-use Payment Link for (part of) an invoice;
    `methods` ("card,upi") overrides what `payments.methods` offers."""
    kind = CHANNELS.get(channel)
    if kind is None:
        raise PaymentError(f"unknown channel {channel!r}: use checkout or payment-link")
    with ctx.ledger.begin() as s:
        inv, _ = amount_to_charge(ctx, s, invoice_number, amount_minor)
        offer = pay_methods.offered(ctx.settings.get("payments.methods"), inv.currency, methods)
        live = s.scalar(
            select(PaymentAttempt.public_id)
            .join(Invoice, Invoice.id == PaymentAttempt.live_invoice_id)
            .where(Invoice.number == invoice_number)
        )
    if live:
        cancel_attempt(ctx, gateway, live, staff, reason="replaced by a new payment")
    if kind == "checkout":  # Payment Links take no customer: don't make one for them
        ensure_customer(ctx, gateway, invoice_number)
    public_id = record_attempt(
        ctx, invoice_number, amount_minor, kind, staff, live=True, methods=offer
    )
    return open_attempt(ctx, gateway, public_id)


def open_attempt(ctx: Context, gateway: StripeGateway, public_id: str) -> AttemptView:
    """Create the attempt's session or link at Stripe (again, safely, after a crash)."""
    with ctx.ledger.begin() as s:
        a = find_attempt(s, public_id)
        if a.status != PaymentStatus.CREATED:
            return view_of(s, a)
        charge, kind = charge_for(s, a), a.channel
    obj: shapes.CheckoutSession | shapes.PaymentLink
    try:
        if kind == "checkout":
            obj = gateway.create_checkout_session(
                stripe_params.checkout_session(
                    charge,
                    stripe_params.success_url(ctx.settings),
                    str(ctx.settings.get("stripe.cancel_url")),
                ),
                f"kiosk:{public_id}:create-session",
            )
        else:
            message = (
                stripe_params.STALE_SLIP if kind == "fee_slip" else stripe_params.INACTIVE_LINK
            )
            price = gateway.create_price(
                stripe_params.price(charge), f"kiosk:{public_id}:create-price"
            )
            obj = gateway.create_payment_link(
                stripe_params.payment_link(charge, price["id"], message),
                f"kiosk:{public_id}:create-link",
            )
    except StripeUnavailable as exc:
        _note(ctx, public_id, exc.message)
        raise
    except StripeRejected as exc:
        close_locally(ctx, public_id, PaymentStatus.FAILED, exc.message)
        raise
    view = _opened(ctx, public_id, obj)
    if view.status == PaymentStatus.CANCELLED:  # cancelled while Stripe was answering
        tell_stripe_cancelled(ctx, gateway, public_id)
    return view


def _opened(
    ctx: Context, public_id: str, obj: shapes.CheckoutSession | shapes.PaymentLink
) -> AttemptView:
    with ctx.ledger.begin() as s:
        a = find_attempt(s, public_id)
        a.stripe_id = obj["id"]
        a.url = obj.get("url")
        if obj.get("object") == "checkout.session":
            cs = cast(shapes.CheckoutSession, obj)
            a.stripe_session_id = cs["id"]
            if cs.get("expires_at"):
                a.expires_at = datetime.fromtimestamp(int(cs["expires_at"]), a.created_at.tzinfo)
        result = local_applier(ctx, s).set_status_of(public_id, PaymentStatus.OPEN)
        view = view_of(s, a)
    publish_result(result)
    return view


def _note(ctx: Context, public_id: str, message: str) -> None:
    with ctx.ledger.begin() as s:
        a = find_attempt(s, public_id)
        if a.status == PaymentStatus.CREATED.value:
            a.last_error = message


def resume_in_flight(ctx: Context, gateway: StripeGateway) -> list[AttemptView]:
    """After a crash: attempts recorded but never answered. The same request with the same
    Idempotency-Key returns what Stripe created the first time, or creates it now."""
    with ctx.ledger.begin() as s:
        pending = list(
            s.scalars(
                select(PaymentAttempt.public_id).where(
                    PaymentAttempt.status == PaymentStatus.CREATED.value
                )
            )
        )
    out = []
    for public_id in pending:
        try:
            out.append(open_attempt(ctx, gateway, public_id))
        except StripeRejected as exc:
            log.info("in-flight attempt %s could not be resumed: %s", public_id, exc.message)
            out.append(attempt_view(ctx, public_id))
    return out


# -- cancelling -----------------------------------------------------------------------------


def cancel_attempt(
    ctx: Context,
    gateway: StripeGateway,
    public_id: str,
    staff: StaffUser | None = None,
    reason: str = CANCELLED,
) -> AttemptView:
    """Cancel at once in the ledger, then expire the session or deactivate the link. If
    Stripe cannot be told now, the poller retries; a payment that still arrives is kept."""
    with ctx.ledger.begin() as s:
        a = find_attempt(s, public_id)
        if PaymentStatus(a.status) not in LIVE:
            return view_of(s, a)
        told = a.status == PaymentStatus.CREATED.value  # nobody has seen its URL
        result = local_applier(ctx, s).set_status_of(
            public_id, PaymentStatus.CANCELLED, reason if told else UNCONFIRMED_CANCEL
        )
        audit.record(
            s,
            "payment.cancelled",
            username=staff.username if staff else "",
            desk=ctx.desk,
            target=a.invoice.number,
            attempt=public_id,
            reason=reason,
        )
    publish_result(result)
    if not told:
        tell_stripe_cancelled(ctx, gateway, public_id, reason)
    return attempt_view(ctx, public_id)


def tell_stripe_cancelled(
    ctx: Context, gateway: StripeGateway, public_id: str, reason: str = CANCELLED
) -> bool:
    """Expire the session / deactivate the link of a cancelled attempt; record money that
    beat the cancel. False while Stripe is unreachable."""
    with ctx.ledger.begin() as s:
        a = find_attempt(s, public_id)
        channel, stripe_id = a.channel, a.stripe_id
    if not stripe_id:
        return True
    try:
        if channel == "checkout":
            sessions = [gateway.expire_session(stripe_id, f"kiosk:{public_id}:expire")]
            if sessions[0].get("status") == "complete":  # refused: the money came first
                sessions = [gateway.retrieve_session(stripe_id)]
            else:
                confirmed_closed(ctx, public_id, utcnow())
        else:
            confirmed_closed(ctx, public_id, deactivate_link(gateway, public_id, stripe_id))
            sessions = list(gateway.list_sessions(payment_link=stripe_id))
    except StripeUnavailable:
        return False
    results = []
    with ctx.ledger.begin() as s:
        for cs in sessions:
            results.append(
                apply_checkout_session(s, cs, source="poll", desk=ctx.desk, settings=ctx.settings)
            )
        a = find_attempt(s, public_id)
        if a.last_error == UNCONFIRMED_CANCEL:
            a.last_error = reason
    finish(ctx, gateway, results)
    return True


# -- fee slips ------------------------------------------------------------------------------


def create_fee_slip_link(
    ctx: Context, gateway: StripeGateway, invoice_number: str, staff: StaffUser | None = None
) -> AttemptView:
    """A Payment Link for the whole balance, printed on a fee slip. Not a desk attempt (any
    number may exist); deactivated as soon as the invoice balance changes."""
    public_id = record_attempt(ctx, invoice_number, None, "fee_slip", staff, live=False)
    return open_attempt(ctx, gateway, public_id)
