"""Refunds: requested by a supervisor, counted only once Stripe confirms them.

    request_refund(ctx, gateway, "R-2026-000042", 50_000, "fee waived", supervisor)

The refund row is written (status `requested`) before Stripe is called, with an
Idempotency-Key derived from it, so a retry cannot refund twice. Nothing about the
invoice changes until Stripe says `succeeded` (by event, poll or reconcile): then the
payment's allocations are reversed, credit first and then last-in-first-out, and a
numbered refund note is issued. A refund that fails, even after first succeeding (card
4000 0000 0000 5126), is shown as failed and its reversal is undone.
"""

from __future__ import annotations

import contextlib
import secrets
from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.ledger import audit
from kiosk.ledger.allocation import Held, reverse
from kiosk.ledger.models import Allocation, Invoice, Payment, Receipt, Refund, User
from kiosk.ledger.types import utcnow
from kiosk.ledger.users import AuthError, StaffUser, require_supervisor
from kiosk.ledger.views import RefundView
from kiosk.money import format_money
from kiosk.payments import ledger_writes as db
from kiosk.payments.apply import Applier, ApplyResult, _id, _setting, finish, insert_ignore
from kiosk.payments.errors import (
    NotFound,
    NotRefundable,
    PaymentError,
    StripeRejected,
    StripeUnavailable,
)
from kiosk.payments.status import PaymentStatus, StatusChange
from kiosk.receipts.numbering import issue_receipt

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

# Our refund statuses, in the only order they may move.
RANK = {"requested": 0, "pending": 1, "succeeded": 2, "failed": 3, "canceled": 3}
FROM_STRIPE = {
    "pending": "pending",
    "requires_action": "pending",
    "succeeded": "succeeded",
    "failed": "failed",
    "canceled": "canceled",
}
OUTSTANDING = ("requested", "pending", "succeeded")


def find_payment(session: Session, ref: str) -> Payment:
    """A payment by its receipt number or PaymentIntent id."""
    ref = ref.strip()
    if ref.startswith("pi_"):
        payment = session.scalar(select(Payment).where(Payment.stripe_payment_intent == ref))
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
    gateway: StripeGateway,
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
        row = Refund(
            public_id="rf_" + secrets.token_hex(8),
            payment_id=payment.id,
            amount=amount,
            currency=payment.currency,
            reason=reason.strip(),
            status="requested",
            requested_by_id=staff.id,
            desk=ctx.desk,
        )
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
    send_refund(ctx, gateway, refund_id)
    return refund_view(ctx, refund_id)


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


def send_refund(ctx: Context, gateway: StripeGateway, refund_id: int) -> None:
    """Ask Stripe for the refund (again, with the same key, if the first call's fate is
    unknown), then apply Stripe's answer."""
    with ctx.ledger.begin() as s:
        row = s.get(Refund, refund_id)
        assert row is not None
        params, key = refund_params(s, row)
    try:
        answer = gateway.create_refund(params, key)
    except StripeUnavailable:
        raise  # stays `requested`: poll_refunds retries with the same key
    except StripeRejected as exc:
        _refused(ctx, refund_id, exc.message)
        raise NotRefundable(exc.message) from None
    _apply_answers(ctx, gateway, [answer])


def _refused(ctx: Context, refund_id: int, message: str) -> None:
    with ctx.ledger.begin() as s:
        row = s.get(Refund, refund_id)
        if row is not None and row.status == "requested":
            row.status, row.failure_reason = "failed", message[:80]
            audit.record(s, "refund.refused", desk=ctx.desk, target=row.public_id, message=message)


def _apply_answers(ctx: Context, gateway: StripeGateway | None, refunds: list[dict]) -> None:
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
                Refund.status.in_(("requested", "pending"))
                | ((Refund.status == "succeeded") & (Refund.updated_at >= since))
            )
        ).all()
    answers = []
    for rid, stripe_id, status in rows:
        if status == "requested" and stripe_id is None:
            with contextlib.suppress(NotRefundable):
                send_refund(ctx, gateway, rid)
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


# -- applying Stripe's word (called from apply.Applier) -----------------------------------------


def apply_refund_object(ap: Applier, obj: dict[str, Any]) -> ApplyResult:
    s = ap.s
    row = _refund_row(ap, obj)
    if row is None:
        return ApplyResult("ignored")
    if isinstance(row, ApplyResult):
        return row
    if not row.stripe_refund_id:
        row.stripe_refund_id = obj["id"]
    new = FROM_STRIPE.get(str(obj.get("status")), "pending")
    old = row.status
    if RANK[new] <= RANK[old]:
        return ApplyResult("duplicate")
    row.status = new
    row.failure_reason = str(obj.get("failure_reason") or "")[:80]
    row.updated_at = utcnow()
    payment = s.get(Payment, row.payment_id)
    assert payment is not None
    invoice = s.get(Invoice, payment.invoice_id)
    assert invoice is not None
    attempt_id = _attempt_public_id(s, payment)
    result = ApplyResult("status")
    if new == "succeeded":
        _reverse(s, payment, row)
        if s.scalar(select(Receipt.id).where(Receipt.refund_id == row.id)) is None:
            issue_receipt(
                s,
                prefix=str(_setting(ap.settings, "receipts.prefix")),
                timezone=str(_setting(ap.settings, "desk.timezone")),
                desk=ap.desk,
                refund_id=row.id,
            )
        audit.record(
            s,
            "refund.succeeded",
            desk=ap.desk,
            target=row.public_id,
            amount=row.amount,
            payment_intent=payment.stripe_payment_intent,
        )
        result.outcome = "applied"
        result.balance_changed.append(payment.invoice_id)
        result.changes.append(
            StatusChange(attempt_id, invoice.number, PaymentStatus.REFUNDED, row.reason, payment.id)
        )
    elif new in ("failed", "canceled"):
        if old == "succeeded":
            _restore(s, row)
            result.balance_changed.append(payment.invoice_id)
        why = row.failure_reason.replace("_", " ") or new
        audit.record(
            s,
            "refund.failed",
            desk=ap.desk,
            target=row.public_id,
            amount=row.amount,
            reason=why,
            after_success=old == "succeeded",
        )
        result.changes.append(
            StatusChange(
                attempt_id,
                invoice.number,
                PaymentStatus.FAILED,
                f"refund failed: {why}",
                payment.id,
            )
        )
    return result


def _refund_row(ap: Applier, obj: dict[str, Any]) -> Refund | ApplyResult | None:
    s = ap.s
    row = s.scalar(select(Refund).where(Refund.stripe_refund_id == obj["id"]))
    public = (obj.get("metadata") or {}).get("refund")
    if row is None and public:
        row = s.scalar(select(Refund).where(Refund.public_id == public))
    if row is not None:
        return row
    payment = s.scalar(
        select(Payment).where(Payment.stripe_payment_intent == _id(obj.get("payment_intent")))
    )
    if payment is None:
        return None
    if not ap.trusted:  # a refund made outside the desk: read it from Stripe first
        if ap.gateway is None:
            return ApplyResult("deferred")
        obj.update(ap.gateway.retrieve_refund(obj["id"]))
        ap.trusted = True
    insert_ignore(
        s,
        Refund,
        {
            "public_id": "rf_" + secrets.token_hex(8),
            "payment_id": payment.id,
            "stripe_refund_id": obj["id"],
            "amount": int(obj.get("amount") or 0),
            "currency": payment.currency,
            "reason": "refunded in the Stripe Dashboard",
            "status": "requested",
            "desk": ap.desk,
            "created_at": utcnow(),
            "updated_at": utcnow(),
            "failure_reason": "",
        },
        ["stripe_refund_id"],
    )
    return s.scalar(select(Refund).where(Refund.stripe_refund_id == obj["id"]))


def _attempt_public_id(s: Session, payment: Payment) -> str | None:
    from kiosk.ledger.models import PaymentAttempt

    if payment.attempt_id is None:
        return None
    return s.scalar(select(PaymentAttempt.public_id).where(PaymentAttempt.id == payment.attempt_id))


def _reverse(s: Session, payment: Payment, row: Refund) -> None:
    """Negative allocation rows for a confirmed refund: credit first, then LIFO."""
    s.execute(select(Invoice.id).where(Invoice.id == payment.invoice_id).with_for_update())
    allocs = s.execute(
        select(
            Allocation.id, Allocation.component_id, Allocation.amount, Allocation.refund_id
        ).where(Allocation.payment_id == payment.id)
    ).all()
    net: dict[int, int] = defaultdict(int)
    newest: dict[int, int] = {}
    for a in allocs:
        net[a.component_id] += a.amount
        if a.amount > 0 and a.refund_id is None:
            newest[a.component_id] = max(newest.get(a.component_id, 0), a.id)
    held = [Held(newest[c], c, n) for c, n in net.items() if n > 0 and c in newest]
    refunded = s.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment.id, Refund.status == "succeeded", Refund.id != row.id
        )
    )
    credit = max(payment.amount - int(refunded or 0) - sum(net.values()), 0)
    amount = min(row.amount, credit + sum(h.amount for h in held))
    if amount <= 0:
        return
    _, parts = reverse(amount, held, credit)
    _insert(s, payment.id, row.id, parts)


def _restore(s: Session, row: Refund) -> None:
    """A refund that failed after succeeding gives the money back to the components."""
    sums = s.execute(
        select(Allocation.payment_id, Allocation.component_id, func.sum(Allocation.amount))
        .where(Allocation.refund_id == row.id)
        .group_by(Allocation.payment_id, Allocation.component_id)
    ).all()
    for payment_id, component_id, total in sums:
        if total:
            _insert(s, payment_id, row.id, [(component_id, -int(total))])


def _insert(s: Session, payment_id: int, refund_id: int, parts: list[tuple[int, int]]) -> None:
    db.add_allocations(s, payment_id, parts, refund_id)
