"""The one path money takes into the ledger.

Every source of truth about a payment (the poller, relay events, reconcile) ends here,
in the caller's transaction. Applying is idempotent and exactly-once, enforced by the
database rather than by checks in memory:

- an event id is inserted into `processed_events` first (ON CONFLICT DO NOTHING), so a
  duplicate delivery costs one statement;
- a payment is inserted keyed on its PaymentIntent (unique), so the same money arriving
  by poll, relay and reconcile, even from two desks on one PostgreSQL ledger at the same
  moment, becomes one payment, one set of allocations and one receipt row;
- the invoice row is locked (FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already
  serialises writers) before allocations are computed, so two different payments for
  one invoice allocate against each other's committed figures.

Out-of-order events never undo a success: a paid attempt stays paid, and a refund's
status only moves forward. An event about a payment the desk does not know yet is held
as `waiting` (kiosk.payments.held), not marked processed, and applied once it is known.
Status changes are returned in `ApplyResult.changes`; the caller publishes them after
commit with kiosk.payments.after_commit.finish. Stripe is never called here: objects to verify are read between
transactions (kiosk.payments.verify), and work owed to Stripe after commit is armed in
the outbox (kiosk.payments.outbox) in the same transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

from kiosk.ledger.models import ProcessedEvent
from kiosk.ledger.types import utcnow
from kiosk.payments import held, outbox
from kiosk.payments import ledger_writes as db
from kiosk.payments import methods as pay_methods
from kiosk.payments import stripe_shapes as shapes
from kiosk.payments.ledger_writes import AttemptRow
from kiosk.payments.recording import InvoiceRef, Recorder, decline_reason, stripe_id_of

# Re-exported: callers take the result type and `publish_result` from here (the work
# after commit is kiosk.payments.after_commit.finish).
from kiosk.payments.results import ApplyResult as ApplyResult
from kiosk.payments.results import Outcome as Outcome
from kiosk.payments.results import publish_result as publish_result
from kiosk.payments.status import PaymentStatus
from kiosk.payments.verify import Verifier

T = TypeVar("T")
log = logging.getLogger(__name__)

SESSION_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
INTENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed")
REFUND_EVENTS = (
    "charge.refunded",
    "charge.refund.updated",
    "refund.created",
    "refund.updated",
    "refund.failed",
)
HANDLED_EVENTS = (*SESSION_EVENTS, *INTENT_EVENTS, *REFUND_EVENTS, "charge.succeeded")


# -- the entry points ------------------------------------------------------------------------


def event_work(
    event: shapes.Event, *, source: str, desk: str, settings: Any
) -> Callable[[Session, Verifier | None], ApplyResult]:
    """`apply_event` for one event, as the unit of work `verify.apply_in_ledger` runs."""

    def work(session: Session, verifier: Verifier | None) -> ApplyResult:
        return apply_event(
            session, event, source=source, desk=desk, verifier=verifier, settings=settings
        )

    return work


def apply_event(
    session: Session,
    event: shapes.Event,
    *,
    source: str,
    desk: str,
    verifier: Verifier | None = None,
    settings: Any = None,
) -> ApplyResult:
    """Apply one Stripe event (from the relay or Stripe's events list), exactly once.
    Objects it must verify come from `verifier` (see kiosk.payments.verify)."""
    event_id, etype = str(event["id"]), str(event.get("type", ""))
    row = {
        "event_id": event_id,
        "type": etype[:80],
        "source": source,
        "outcome": "applied",  # the common case; corrected below when it is not
        "created": int(event.get("created") or 0),
        "processed_at": utcnow(),
    }
    if db.insert_ignore(session, ProcessedEvent, row, ["event_id"]) is None:
        return ApplyResult(Outcome.DUPLICATE)  # seen before: one statement
    obj = (event.get("data") or {}).get("object") or {}
    applier = Applier(session, source, desk, verifier, settings)
    applier.event_created = int(event.get("created") or 0) or None
    result = applier.event(etype, obj)
    if result.outcome in (Outcome.DEFERRED, Outcome.WAITING):  # not final: later sources apply it
        db.run(session, db.FORGET_EVENT, {"eid": event_id})
        if result.outcome == Outcome.WAITING:
            reason = f"waits for payment {result.waits_for}"
            held.hold(
                session,
                event,
                held.WAITING,
                source=source,
                reason=reason,
                waits_for=result.waits_for,
            )
    elif result.outcome != Outcome.APPLIED:
        db.run(session, db.SET_OUTCOME, {"eid": event_id, "outcome": result.outcome.value})
    return result


def apply_checkout_session(
    session: Session,
    cs: shapes.CheckoutSession,
    *,
    source: str,
    desk: str,
    verifier: Verifier | None = None,
    settings: Any = None,
    trusted: bool = True,
) -> ApplyResult:
    """Apply a Checkout Session as read from Stripe (poll, reconcile): `trusted` objects
    came from Stripe's API and need no second read."""
    return Applier(session, source, desk, verifier, settings, trusted).session_object(cs, None)


# -- reading Stripe's objects --------------------------------------------------------------


class Applier(Recorder):
    """Applies Stripe objects in one session. `trusted` objects were read from Stripe's API
    (poll, reconcile); others (relay payloads) are re-read before money is credited to an
    invoice that no attempt of ours vouches for."""

    def __init__(
        self,
        session: Session,
        source: str,
        desk: str,
        verifier: Verifier | None,
        settings: Any,
        trusted: bool = False,
    ) -> None:
        super().__init__(session, source, desk, settings)
        self.verifier = verifier
        self.trusted = trusted

    def verified(self, read: Callable[[Verifier, str], T | None], obj_id: str) -> T | None:
        """The object as `read` from Stripe (`Verifier.session`, …; {} if Stripe has none),
        or None: not read yet."""
        if self.verifier is None:
            return None
        found = read(self.verifier, obj_id)
        if found is not None:
            self.trusted = True
        return found

    def event(self, etype: str, obj: dict[str, Any]) -> ApplyResult:
        """Apply the object an event of type `etype` is about (its shape by the type)."""
        if etype in SESSION_EVENTS:
            return self.session_object(cast(shapes.CheckoutSession, obj), etype)
        if etype in INTENT_EVENTS:
            return self.intent(cast(shapes.PaymentIntent, obj), etype)
        if etype in ("charge.refunded", "charge.succeeded"):
            return self.charge(cast(shapes.Charge, obj))
        if etype in REFUND_EVENTS:
            return self.refund(cast(shapes.Refund, obj))
        return ApplyResult(Outcome.IGNORED)

    # -- finding our records --------------------------------------------------------------

    def attempt_for(
        self,
        *,
        reference: str | None = None,
        metadata: shapes.Metadata | None = None,
        stripe_ids: tuple[str | None, ...] = (),
    ) -> AttemptRow | None:
        meta_attempt = (metadata or {}).get("attempt")
        for key in (reference, meta_attempt if meta_attempt != reference else None):
            found = db.attempt(self.s, db.ATTEMPT_BY_PUBLIC_ID, key)
            if found is not None:
                return found
        for key in stripe_ids:
            found = db.attempt(self.s, db.ATTEMPT_BY_STRIPE_ID, key) or db.attempt(
                self.s, db.ATTEMPT_BY_SESSION_ID, key
            )
            if found is not None:
                return found
        return None

    def invoice_of(
        self, attempt: AttemptRow | None, metadata: shapes.Metadata | None
    ) -> InvoiceRef | None:
        if attempt is not None:
            return InvoiceRef(attempt.invoice_id, attempt.invoice_number, attempt.currency)
        row = db.invoice(self.s, (metadata or {}).get("invoice"))
        return InvoiceRef(*cast("tuple[Any, ...]", row)) if row else None

    # -- Checkout Sessions -------------------------------------------------------------------

    def session_object(self, cs: shapes.CheckoutSession, etype: str | None) -> ApplyResult:
        attempt = self.attempt_for(
            reference=cs.get("client_reference_id"),
            metadata=cs.get("metadata"),
            stripe_ids=(cs.get("id"), stripe_id_of(cs.get("payment_link"))),
        )
        invoice = self.invoice_of(attempt, cs.get("metadata"))
        if invoice is None:
            return ApplyResult(Outcome.IGNORED)  # not a fee payment of ours
        if attempt is None and not self.trusted:
            # Matches no attempt: read it from Stripe before acting on a payload.
            verified = self.verified(Verifier.session, str(cs["id"]))
            if verified is None:
                return ApplyResult(Outcome.DEFERRED)
            cs = verified
            if self.invoice_of(None, cs.get("metadata")) != invoice:
                return ApplyResult(Outcome.IGNORED)
        status, paid = cs.get("status"), cs.get("payment_status")
        failed = etype == "checkout.session.async_payment_failed"
        if status == "complete" and paid == "paid" and not failed:
            pi = cs.get("payment_intent")
            if not stripe_id_of(pi):
                return ApplyResult(Outcome.IGNORED)
            return self.record_payment(
                invoice,
                attempt,
                pi_id=str(stripe_id_of(pi)),
                amount=int(cs.get("amount_total") or 0),
                currency=str(cs.get("currency") or invoice.currency),
                session_id=cs.get("id"),
                charge=pi.get("latest_charge") if isinstance(pi, dict) else None,
            )
        if attempt is None:
            return ApplyResult(Outcome.IGNORED)
        if failed:
            return self.set_status(attempt, PaymentStatus.FAILED, "bank payment failed")
        if status == "complete":  # delayed method submitted: wait for async_payment_*
            return self.set_status(
                attempt, PaymentStatus.OPEN, "payment processing", session_id=cs.get("id")
            )
        if status == "expired" and attempt.channel == "checkout":
            return self.set_status(attempt, PaymentStatus.EXPIRED, "session expired")
        pi = cs.get("payment_intent")
        if status == "open" and isinstance(pi, dict) and pi.get("last_payment_error"):
            return self.set_status(
                attempt, PaymentStatus.DECLINED, decline_reason(pi), session_id=cs.get("id")
            )
        if status == "open" and pay_methods.awaiting_upi(pi):
            return self.set_status(
                attempt, PaymentStatus.OPEN, pay_methods.UPI_PENDING, session_id=cs.get("id")
            )
        return ApplyResult(Outcome.IGNORED)

    # -- PaymentIntents ---------------------------------------------------------------------

    def intent(self, pi: shapes.PaymentIntent, etype: str | None) -> ApplyResult:
        meta = pi.get("metadata") or {}
        attempt = self.attempt_for(metadata=meta, stripe_ids=(pi.get("id"),))
        invoice = self.invoice_of(attempt, meta)
        if invoice is None:
            return ApplyResult(Outcome.IGNORED)
        succeeded = pi.get("status") == "succeeded"
        if etype == "payment_intent.payment_failed" or (etype is None and not succeeded):
            if attempt is None or succeeded or not pi.get("last_payment_error"):
                return ApplyResult(Outcome.IGNORED)
            return self.set_status(attempt, PaymentStatus.DECLINED, decline_reason(pi))
        if not succeeded:
            return ApplyResult(Outcome.IGNORED)
        if attempt is None and not self.trusted:
            read = self.verified(Verifier.payment_intent, str(pi["id"]))
            if read is None:
                return ApplyResult(Outcome.DEFERRED)
            pi = read
            verified = self.invoice_of(None, pi.get("metadata"))
            if pi.get("status") != "succeeded" or verified != invoice:
                return ApplyResult(Outcome.IGNORED)
        return self.record_payment(
            invoice,
            attempt,
            pi_id=str(pi["id"]),
            amount=int(pi.get("amount_received") or pi.get("amount") or 0),
            currency=str(pi.get("currency") or invoice.currency),
            session_id=None,
            charge=pi.get("latest_charge"),
        )

    def charge(self, ch: shapes.Charge) -> ApplyResult:
        result = ApplyResult(Outcome.IGNORED)
        pi_id = stripe_id_of(ch.get("payment_intent"))
        payment = db.payment_by_intent(self.s, pi_id) if pi_id else None
        if payment is None:
            # A refund that overtook its payment waits for it; card details need not
            # (the payment's own follow-up reads them).
            refunded = pi_id and (ch.get("refunded") or ch.get("amount_refunded"))
            return ApplyResult(Outcome.WAITING, waits_for=pi_id) if refunded else result
        if self.fill_card(payment, ch):
            result.outcome = Outcome.STATUS
        if "refunds" not in ch and ch.get("amount_refunded"):
            # Stripe no longer lists a charge's refunds in it (API 2022-11-15): read them
            # after commit, through the outbox.
            outbox.arm(self.s, outbox.READ_REFUNDS, str(ch["id"]))
        for refund in (ch.get("refunds") or {}).get("data") or []:
            result.merge(self.refund(refund))
        return result

    def refund(self, refund: shapes.Refund) -> ApplyResult:
        from kiosk.payments.refund_apply import apply_refund_object

        return apply_refund_object(self, refund)
