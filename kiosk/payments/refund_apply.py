"""Refunds in the ledger: Stripe's word about a refund, applied by the one apply path.

Nothing about the invoice changes until Stripe says `succeeded` (by event, poll or
reconcile): then the payment's allocations are reversed, credit first and then
last-in-first-out, and a numbered refund note is issued. A refund that fails, even after
first succeeding (card 4000 0000 0000 5126), is shown as failed and its reversal is
undone. A refund made outside the desk (the Stripe Dashboard) gets a row of its own.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.ledger import audit
from kiosk.ledger.allocation import Held, reverse
from kiosk.ledger.models import Allocation, Invoice, Payment, Receipt, Refund
from kiosk.ledger.numbering import issue_receipt
from kiosk.ledger.status import RefundStatus
from kiosk.ledger.types import utcnow
from kiosk.payments import ledger_writes as db
from kiosk.payments import outbox
from kiosk.payments import stripe_shapes as shapes
from kiosk.payments.recording import insert_ignore, setting_of, stripe_id_of
from kiosk.payments.results import ApplyResult, Outcome
from kiosk.payments.status import PaymentStatus, StatusChange
from kiosk.payments.verify import Verifier

if TYPE_CHECKING:
    from kiosk.payments.apply import Applier

# Our refund statuses, in the only order they may move.
RANK = {
    RefundStatus.REQUESTED: 0,
    RefundStatus.PENDING: 1,
    RefundStatus.SUCCEEDED: 2,
    RefundStatus.FAILED: 3,
    RefundStatus.CANCELED: 3,
}
FROM_STRIPE = {
    "pending": RefundStatus.PENDING,
    "requires_action": RefundStatus.PENDING,
    "succeeded": RefundStatus.SUCCEEDED,
    "failed": RefundStatus.FAILED,
    "canceled": RefundStatus.CANCELED,
}


def apply_refund_object(ap: Applier, obj: shapes.Refund) -> ApplyResult:
    s = ap.s
    row = _refund_row(ap, obj)
    if row is None:
        return ApplyResult(Outcome.IGNORED)
    if isinstance(row, ApplyResult):
        return row
    # A row failed by the desk (Stripe refused a request) is overruled by Stripe's own
    # word about the refund: a confirmed success is never shown as a failure.
    refused_here = row.stripe_refund_id is None and row.status in (
        RefundStatus.FAILED,
        RefundStatus.CANCELED,
    )
    if not row.stripe_refund_id:
        row.stripe_refund_id = obj["id"]
    new = FROM_STRIPE.get(str(obj.get("status")), RefundStatus.PENDING)
    old = RefundStatus.REQUESTED if refused_here else RefundStatus(row.status)
    if RANK[new] <= RANK[old]:
        return ApplyResult(Outcome.DUPLICATE)
    row.status = new
    row.failure_reason = str(obj.get("failure_reason") or "")[:80]
    row.updated_at = utcnow()
    payment = s.get(Payment, row.payment_id)
    assert payment is not None
    if new == RefundStatus.SUCCEEDED:
        return _succeeded(ap, row, payment)
    if new in (RefundStatus.FAILED, RefundStatus.CANCELED):
        return _failed(ap, row, payment, after_success=old == RefundStatus.SUCCEEDED)
    return ApplyResult(Outcome.STATUS)


def _change(s: Session, payment: Payment, status: PaymentStatus, reason: str) -> StatusChange:
    invoice = s.get(Invoice, payment.invoice_id)
    assert invoice is not None
    attempt_id = _attempt_public_id(s, payment)
    return StatusChange(attempt_id, invoice.number, status, reason, payment.id)


def _succeeded(ap: Applier, row: Refund, payment: Payment) -> ApplyResult:
    """Stripe paid the refund: reverse the allocations and issue the refund note."""
    s = ap.s
    reverse_allocations(s, payment, row)
    if s.scalar(select(Receipt.id).where(Receipt.refund_id == row.id)) is None:
        issue_receipt(
            s,
            prefix=str(setting_of(ap.settings, "receipts.prefix")),
            timezone=str(setting_of(ap.settings, "desk.timezone")),
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
    outbox.arm(s, outbox.STALE_FEE_SLIPS, payment.invoice_id)
    change = _change(s, payment, PaymentStatus.REFUNDED, row.reason)
    return ApplyResult(Outcome.APPLIED, changes=[change])


def _failed(ap: Applier, row: Refund, payment: Payment, *, after_success: bool) -> ApplyResult:
    """The refund failed (or was cancelled): a reversal already made is undone."""
    s = ap.s
    if after_success:
        _restore(s, row)
        outbox.arm(s, outbox.STALE_FEE_SLIPS, payment.invoice_id)
    why = row.failure_reason.replace("_", " ") or row.status
    audit.record(
        s,
        "refund.failed",
        desk=ap.desk,
        target=row.public_id,
        amount=row.amount,
        reason=why,
        after_success=after_success,
    )
    change = _change(s, payment, PaymentStatus.FAILED, f"refund failed: {why}")
    return ApplyResult(Outcome.STATUS, changes=[change])


def _refund_row(ap: Applier, obj: shapes.Refund) -> Refund | ApplyResult | None:
    s = ap.s
    row = s.scalar(select(Refund).where(Refund.stripe_refund_id == obj["id"]))
    public = (obj.get("metadata") or {}).get("refund")
    if row is None and public:
        row = s.scalar(select(Refund).where(Refund.public_id == public))
    if row is not None:
        return row
    pi_id = stripe_id_of(obj.get("payment_intent"))
    payment = s.scalar(select(Payment).where(Payment.stripe_payment_intent == pi_id))
    if payment is None:  # perhaps it overtook its payment: wait for that
        return ApplyResult(Outcome.WAITING, waits_for=str(pi_id)) if pi_id else None
    if not ap.trusted:  # a refund made outside the desk: read it from Stripe first
        verified = ap.verified(Verifier.refund, str(obj["id"]))
        if verified is None:
            return ApplyResult(Outcome.DEFERRED)
        if not verified:
            return ApplyResult(Outcome.IGNORED)  # Stripe has no such refund
        obj.update(verified)
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
            "status": RefundStatus.REQUESTED.value,
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


def reverse_allocations(s: Session, payment: Payment, row: Refund) -> None:
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
            Refund.payment_id == payment.id,
            Refund.status == RefundStatus.SUCCEEDED,
            Refund.id != row.id,
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
