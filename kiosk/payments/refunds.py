"""Refunds: requested by a supervisor, counted only once Stripe confirms them.

    request_refund(ctx, gateway, "R-2026-000042", 50_000, "fee waived", supervisor)

The refund row is written (status `requested`) before Stripe is called, with an
Idempotency-Key derived from it and its public id in the refund's metadata. A retry
within Stripe's 24 h key retention replays the first answer; before any later re-send
(`poll_refunds`) the desk lists the PaymentIntent's refunds and adopts the one carrying
its id, so one request never refunds twice. Nothing about the
invoice changes until Stripe says `succeeded` (by event, poll or reconcile): then the
payment's allocations are reversed, credit first and then last-in-first-out, and a
numbered refund note is issued. A refund that fails, even after first succeeding (card
4000 0000 0000 5126), is shown as failed and its reversal is undone.
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.ledger import audit
from kiosk.ledger.counter import open_for
from kiosk.ledger.models import Invoice, Payment, PaymentAttempt, Receipt, Refund, User
from kiosk.ledger.status import RefundStatus
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import AuthError, StaffUser, require_supervisor
from kiosk.ledger.views import RefundView
from kiosk.money import format_money
from kiosk.payments import stripe_shapes as shapes
from kiosk.payments.after_commit import finish
from kiosk.payments.apply import Applier
from kiosk.payments.counter_refunds import is_counter_payment, pay_out
from kiosk.payments.errors import (
    NotFound,
    NotRefundable,
    OutcomeUnknown,
    PaymentError,
    StripeRejected,
    StripeUnavailable,
)
from kiosk.payments.refund_apply import apply_refund_object

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

OUTSTANDING = (RefundStatus.REQUESTED, RefundStatus.PENDING, RefundStatus.SUCCEEDED)


def find_payment(session: Session, ref: str) -> Payment:
    """A payment by its receipt number, PaymentIntent id or attempt id (pa_…)."""
    ref = ref.strip()
    if ref.startswith("pi_"):
        payment = session.scalar(select(Payment).where(Payment.stripe_payment_intent == ref))
    elif ref.startswith("pa_"):
        payment = session.scalar(
            select(Payment)
            .join(PaymentAttempt, PaymentAttempt.id == Payment.attempt_id)
            .where(PaymentAttempt.public_id == ref)
        )
    else:
        payment = session.scalar(
            select(Payment)
            .join(Receipt, Receipt.payment_id == Payment.id)
            .where(Receipt.number == ref)
        )
    if payment is None:
        raise NotFound(f"no payment with receipt number or PaymentIntent {ref!r}")
    return payment


def refundable(session: Session, payment: Payment) -> int:
    taken = session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment.id, Refund.status.in_(OUTSTANDING)
        )
    )
    return payment.amount - int(taken or 0)


def request_refund(
    ctx: Context,
    gateway: StripeGateway | None,
    ref: str,
    amount_minor: int | None,
    reason: str,
    supervisor: StaffUser,
) -> RefundView:
    """Refund all (None) or part of a payment. Supervisors only; refused beyond what remains."""
    if not reason.strip():
        raise NotRefundable("give a reason for the refund")
    with ctx.ledger.begin() as s:
        try:
            staff = require_supervisor(s, supervisor.username)
        except AuthError as exc:
            raise PaymentError(str(exc)) from None
        payment = find_payment(s, ref)
        amount = _amount_to_refund(ctx, s, payment, amount_minor)
        row = Refund(
            public_id="rf_" + secrets.token_hex(8),
            payment_id=payment.id,
            amount=amount,
            currency=payment.currency,
            reason=reason.strip(),
            status=RefundStatus.REQUESTED.value,
            requested_by_id=staff.id,
            desk=ctx.desk,
        )
        at_counter = is_counter_payment(s, payment)
        if at_counter:  # paid at once, by the drawer or the office: Stripe has no part
            pay_out(ctx, s, payment, row, staff)
        else:
            row.counter_session_id = _session_id(s, ctx.desk)
        s.add(row)
        s.flush()
        audit.record(
            s,
            "refund.requested",
            username=staff.username,
            desk=ctx.desk,
            target=payment.stripe_payment_intent,
            refund=row.public_id,
            amount=amount,
            reason=row.reason,
        )
        refund_id = row.id
    if not at_counter:
        if gateway is None:
            raise StripeUnavailable("Stripe is not configured: this refund goes through Stripe")
        send_refund(ctx, gateway, refund_id)
    return refund_view(ctx, refund_id)


def _amount_to_refund(ctx: Context, s: Session, payment: Payment, amount_minor: int | None) -> int:
    """What remains refundable (None) or `amount_minor`, with the payment row locked so two
    supervisors cannot both refund the same money; NotRefundable beyond what remains."""
    s.execute(select(Payment.id).where(Payment.id == payment.id).with_for_update())
    left = refundable(s, payment)
    amount = left if amount_minor is None else amount_minor
    locale = str(ctx.settings.get("desk.locale"))
    if amount <= 0 or amount > left:
        raise NotRefundable(
            f"{format_money(max(amount, 0), payment.currency, locale)} cannot be refunded: "
            f"{format_money(max(left, 0), payment.currency, locale)} of this payment "
            "remains refundable"
            if amount > 0
            else "a refund must be more than zero"
        )
    return amount


def _session_id(s: Session, desk: str) -> int | None:
    """A Stripe refund asked for at a desk shows on its counter session's report."""
    session = open_for(s, desk)
    return session.id if session else None


def refund_params(session: Session, row: Refund) -> tuple[dict[str, Any], str]:
    """The create request, rebuilt the same way every time (a retry must match the first)."""
    payment = session.get(Payment, row.payment_id)
    assert payment is not None
    user = session.get(User, row.requested_by_id) if row.requested_by_id else None
    invoice = session.get(Invoice, payment.invoice_id)
    params = {
        "payment_intent": payment.stripe_payment_intent,
        "amount": row.amount,
        "reason": "requested_by_customer",
        "metadata": {
            "refund": row.public_id,
            "invoice": invoice.number if invoice else "",
            "desk": row.desk,
            "supervisor": user.username if user else "",
            "note": row.reason[:500],
        },
    }
    return params, f"kiosk:{row.public_id}:create"


def send_refund(
    ctx: Context, gateway: StripeGateway, refund_id: int, *, resend: bool = False
) -> None:
    """Ask Stripe for the refund, then apply Stripe's answer. A `resend` (the first call's
    fate is unknown) first asks Stripe whether the refund exists: the Idempotency-Key is
    forgotten after 24 h, and sending again then would refund twice."""
    with ctx.ledger.begin() as s:
        row = s.get(Refund, refund_id)
        assert row is not None
        params, key = refund_params(s, row)
        public_id = row.public_id
    pi_id = str(params["payment_intent"])
    existing = _existing(gateway, pi_id, public_id) if resend else None
    if existing is None:
        try:
            existing = gateway.create_refund(params, key)
        except (StripeUnavailable, OutcomeUnknown):
            raise  # stays `requested`: poll_refunds looks again
        except StripeRejected as exc:
            # Refused, perhaps because the first request did refund it: ask before failing.
            existing = _existing(gateway, pi_id, public_id)
            if existing is None:
                _refused(ctx, refund_id, exc.message)
                raise NotRefundable(exc.message) from None
    _apply_answers(ctx, gateway, [existing])


def _existing(gateway: StripeGateway, pi_id: str, public_id: str) -> shapes.Refund | None:
    """The refund Stripe made for our request `public_id` (its metadata names it), if any."""
    for refund in gateway.list_refunds(pi_id):
        if (refund.get("metadata") or {}).get("refund") == public_id:
            return refund
    return None


def _refused(ctx: Context, refund_id: int, message: str) -> None:
    with ctx.ledger.begin() as s:
        row = s.get(Refund, refund_id)
        if row is not None and row.status == RefundStatus.REQUESTED:
            row.status, row.failure_reason = RefundStatus.FAILED.value, message[:80]
            audit.record(s, "refund.refused", desk=ctx.desk, target=row.public_id, message=message)


def _apply_answers(
    ctx: Context, gateway: StripeGateway | None, refunds: list[shapes.Refund]
) -> None:
    results = []
    with ctx.ledger.begin() as s:
        for obj in refunds:
            results.append(
                apply_refund_object(
                    Applier(s, "poll", ctx.desk, None, ctx.settings, trusted=True), obj
                )
            )
    finish(ctx, gateway, results)


def poll_refunds(ctx: Context, gateway: StripeGateway, recent_days: int = 3) -> int:
    """Resolve refunds Stripe has not confirmed yet, and re-check recent successes (a card
    refund can fail days later). Returns how many changed."""
    since = utcnow() - timedelta(days=recent_days)
    with ctx.ledger.begin() as s:
        rows = s.execute(
            select(Refund.id, Refund.stripe_refund_id, Refund.status).where(
                Refund.status.in_((RefundStatus.REQUESTED, RefundStatus.PENDING))
                | ((Refund.status == RefundStatus.SUCCEEDED) & (Refund.updated_at >= since))
            )
        ).all()
    answers: list[shapes.Refund] = []
    for rid, stripe_id, status in rows:
        if status == RefundStatus.REQUESTED and stripe_id is None:
            with contextlib.suppress(NotRefundable, OutcomeUnknown):
                send_refund(ctx, gateway, rid, resend=True)
            continue
        if stripe_id:
            answers.append(gateway.retrieve_refund(stripe_id))
    # and refunds made outside the desk (e.g. in the Dashboard) on payments it knows
    answers.extend(gateway.list_refunds(created_gte=int(since.timestamp())))
    before = {r[0]: r[2] for r in rows}
    _apply_answers(ctx, gateway, answers)
    with ctx.ledger.begin() as s:
        after = dict(
            s.execute(select(Refund.id, Refund.status).where(Refund.id.in_(list(before)))).all()
        )
    return sum(1 for rid, st in before.items() if after.get(rid) != st)


def refund_view(ctx: Context, refund_id: int) -> RefundView:
    with ctx.ledger.begin() as s:
        row = s.get(Refund, refund_id)
        assert row is not None
        payment = s.get(Payment, row.payment_id)
        note = s.scalar(select(Receipt.number).where(Receipt.refund_id == row.id))
        return RefundView(
            row.id,
            payment.stripe_payment_intent if payment else "",
            row.stripe_refund_id,
            row.amount,
            row.status,
            row.reason,
            row.failure_reason,
            row.created_at,
            note,
        )
