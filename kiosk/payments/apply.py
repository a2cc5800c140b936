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
status only moves forward. Status changes are returned in `ApplyResult.changes`; the
caller publishes them after commit with `publish_result`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy.orm import Session

from kiosk.ledger import audit
from kiosk.ledger.allocation import ComponentDue, allocate
from kiosk.ledger.models import Payment, ProcessedEvent
from kiosk.ledger.types import utcnow
from kiosk.payments import ledger_writes as db
from kiosk.payments import methods as pay_methods
from kiosk.payments.lateness import late_after_close
from kiosk.payments.ledger_writes import AttemptRow
from kiosk.payments.status import LIVE, PaymentStatus, StatusChange, publish_all
from kiosk.receipts.numbering import record_receipt

if TYPE_CHECKING:
    from kiosk.payments.gateway import StripeGateway

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


@dataclass
class ApplyResult:
    """What applying did: `outcome` is applied | duplicate | status | ignored | deferred."""

    outcome: str = "ignored"
    changes: list[StatusChange] = field(default_factory=list)
    payment_id: int | None = None
    # Follow-ups that call Stripe, done after commit by `finish` (never inside the lock).
    links_to_deactivate: list[tuple[str, str]] = field(default_factory=list)  # (attempt, plink)
    balance_changed: list[int] = field(default_factory=list)  # invoice ids
    cards_to_fill: list[tuple[int, str]] = field(default_factory=list)  # (payment, pi)

    def merge(self, other: ApplyResult) -> ApplyResult:
        order = ("ignored", "duplicate", "deferred", "status", "applied")
        if order.index(other.outcome) > order.index(self.outcome):
            self.outcome = other.outcome
        self.changes += other.changes
        self.payment_id = self.payment_id or other.payment_id
        self.links_to_deactivate += other.links_to_deactivate
        self.balance_changed += other.balance_changed
        self.cards_to_fill += other.cards_to_fill
        return self

    @property
    def fixed(self) -> bool:
        return self.outcome in ("applied", "status")


def publish_result(result: ApplyResult | None) -> None:
    """Publish the result's status changes. Call after the transaction committed."""
    if result is not None:
        publish_all(result.changes)


def finish(ctx: Any, gateway: StripeGateway | None, results: list[ApplyResult]) -> None:
    """After commit: the card details an event did not carry, then publish the changes,
    then the Stripe follow-ups (best effort: a link that fails to deactivate is still
    limited to one completed session)."""
    if gateway is not None:
        for result in results:
            for payment_id, pi_id in result.cards_to_fill:
                fill_card_from_stripe(ctx, gateway, payment_id, pi_id)
    for result in results:
        publish_result(result)
    if gateway is None:
        return
    from kiosk.payments import attempts
    from kiosk.payments.errors import PaymentError

    for result in results:
        try:
            for public_id, link_id in dict.fromkeys(result.links_to_deactivate):
                attempts.deactivate_link(gateway, public_id, link_id)
            for invoice_id in dict.fromkeys(result.balance_changed):
                attempts.deactivate_stale_fee_slips(ctx, gateway, invoice_id)
        except PaymentError as exc:
            log.warning("follow-up after payment failed: %s", exc.message)


def fill_card_from_stripe(ctx: Any, gateway: StripeGateway, payment_id: int, pi_id: str) -> None:
    """Read the card's brand and last 4 from the PaymentIntent's charge (events about a
    Checkout Session carry the PaymentIntent only as an id). Outside the apply transaction,
    so no Stripe call ever holds the ledger's locks."""
    from kiosk.payments.errors import PaymentError

    try:
        charge = gateway.retrieve_payment_intent(pi_id).get("latest_charge")
    except PaymentError as exc:
        log.info("card details for %s not read: %s", pi_id, exc.message)
        return
    brand, last4 = _card(charge)
    if last4:
        with ctx.ledger.begin() as s:
            db.run(s, db.SET_CARD_IF_BLANK, {"pid": payment_id, "brand": brand, "last4": last4})
    pay_methods.fill_method(ctx, payment_id, charge)


# -- the entry points ------------------------------------------------------------------------


def apply_event(
    session: Session,
    event: dict[str, Any],
    *,
    source: str,
    desk: str,
    gateway: StripeGateway | None = None,
    settings: Any = None,
) -> ApplyResult:
    """Apply one Stripe event (from the relay or Stripe's events list), exactly once."""
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
        return ApplyResult("duplicate")  # seen before: one statement
    obj = (event.get("data") or {}).get("object") or {}
    applier = Applier(session, source, desk, gateway, settings)
    applier.event_created = int(event.get("created") or 0) or None
    result = applier.event(etype, obj)
    if result.outcome == "deferred":  # not verified yet: let reconcile see it again
        db.run(session, db.FORGET_EVENT, {"eid": event_id})
    elif result.outcome != "applied":
        db.run(session, db.SET_OUTCOME, {"eid": event_id, "outcome": result.outcome})
    return result


def apply_checkout_session(
    session: Session,
    cs: dict[str, Any],
    *,
    source: str,
    desk: str,
    gateway: StripeGateway | None = None,
    settings: Any = None,
    trusted: bool = True,
) -> ApplyResult:
    """Apply a Checkout Session as read from Stripe (poll, reconcile): `trusted` objects
    came from Stripe's API and need no second read."""
    return Applier(session, source, desk, gateway, settings, trusted).session_object(cs, None)


def apply_payment_intent(
    session: Session,
    pi: dict[str, Any],
    *,
    source: str,
    desk: str,
    gateway: StripeGateway | None = None,
    settings: Any = None,
    trusted: bool = True,
) -> ApplyResult:
    return Applier(session, source, desk, gateway, settings, trusted).intent(pi, None)


def apply_refund(
    session: Session, refund: dict[str, Any], *, source: str, desk: str, settings: Any = None
) -> ApplyResult:
    return Applier(session, source, desk, None, settings).refund(refund)


# -- the work ----------------------------------------------------------------------------------


insert_ignore = db.insert_ignore


def _setting(settings: Any, key: str) -> Any:
    if settings is not None:
        return settings.get(key)
    from kiosk.config import option

    return option(key).default


def _id(value: Any) -> str | None:
    """An expandable field: the id string, or the expanded object's id."""
    if isinstance(value, dict):
        return value.get("id")
    return value


def _card(charge: Any) -> tuple[str, str]:
    if not isinstance(charge, dict):
        return "", ""
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    return str(card.get("brand") or "")[:30], str(card.get("last4") or "")[:4]


def decline_reason(pi: dict[str, Any] | None) -> str:
    err = (pi or {}).get("last_payment_error") or {}
    if (err.get("payment_method") or {}).get("type") == "upi":
        return pay_methods.upi_decline(err)
    code = err.get("decline_code") or err.get("code") or ""
    return f"card declined: {code.replace('_', ' ')}" if code else "card declined"


@dataclass(frozen=True)
class InvoiceRef:
    id: int
    number: str
    currency: str


class Applier:
    """Applies Stripe objects in one session. `trusted` objects were read from Stripe's API
    (poll, reconcile); others (relay payloads) are re-read before money is credited to an
    invoice that no attempt of ours vouches for."""

    def __init__(
        self,
        session: Session,
        source: str,
        desk: str,
        gateway: StripeGateway | None,
        settings: Any,
        trusted: bool = False,
    ) -> None:
        self.s = session
        self.source = source
        self.desk = desk
        self.gateway = gateway
        self.settings = settings
        self.trusted = trusted
        self.event_created: int | None = None  # when applying an event: its `created`

    def event(self, etype: str, obj: dict[str, Any]) -> ApplyResult:
        if etype in SESSION_EVENTS:
            return self.session_object(obj, etype)
        if etype in INTENT_EVENTS:
            return self.intent(obj, etype)
        if etype in ("charge.refunded", "charge.succeeded"):
            return self.charge(obj)
        if etype in REFUND_EVENTS:
            return self.refund(obj)
        return ApplyResult("ignored")

    # -- finding our records --------------------------------------------------------------

    def attempt_for(
        self,
        *,
        reference: str | None = None,
        metadata: dict | None = None,
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

    def attempt_row(self, public_id: str) -> AttemptRow:
        found = db.attempt(self.s, db.ATTEMPT_BY_PUBLIC_ID, public_id)
        if found is None:
            raise LookupError(f"no payment attempt {public_id!r}")
        return found

    def invoice_of(self, attempt: AttemptRow | None, metadata: dict | None) -> InvoiceRef | None:
        if attempt is not None:
            return InvoiceRef(attempt.invoice_id, attempt.invoice_number, attempt.currency)
        row = db.invoice(self.s, (metadata or {}).get("invoice"))
        return InvoiceRef(*cast("tuple[Any, ...]", row)) if row else None

    # -- Checkout Sessions -------------------------------------------------------------------

    def session_object(self, cs: dict[str, Any], etype: str | None) -> ApplyResult:
        attempt = self.attempt_for(
            reference=cs.get("client_reference_id"),
            metadata=cs.get("metadata"),
            stripe_ids=(cs.get("id"), cs.get("payment_link")),
        )
        invoice = self.invoice_of(attempt, cs.get("metadata"))
        if invoice is None:
            return ApplyResult("ignored")  # not a fee payment of ours
        if attempt is None and not self.trusted:
            # Matches no attempt: read it from Stripe before acting on a payload.
            if self.gateway is None:
                return ApplyResult("deferred")
            cs = self.gateway.retrieve_session(str(cs["id"]))
            self.trusted = True
            if self.invoice_of(None, cs.get("metadata")) != invoice:
                return ApplyResult("ignored")
        status, paid = cs.get("status"), cs.get("payment_status")
        failed = etype == "checkout.session.async_payment_failed"
        if status == "complete" and paid == "paid" and not failed:
            pi = cs.get("payment_intent")
            if not _id(pi):
                return ApplyResult("ignored")
            return self.record_payment(
                invoice,
                attempt,
                pi_id=str(_id(pi)),
                amount=int(cs.get("amount_total") or 0),
                currency=str(cs.get("currency") or invoice.currency),
                session_id=cs.get("id"),
                charge=pi.get("latest_charge") if isinstance(pi, dict) else None,
            )
        if attempt is None:
            return ApplyResult("ignored")
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
        return ApplyResult("ignored")

    # -- PaymentIntents ---------------------------------------------------------------------

    def intent(self, pi: dict[str, Any], etype: str | None) -> ApplyResult:
        meta = pi.get("metadata") or {}
        attempt = self.attempt_for(metadata=meta, stripe_ids=(pi.get("id"),))
        invoice = self.invoice_of(attempt, meta)
        if invoice is None:
            return ApplyResult("ignored")
        succeeded = pi.get("status") == "succeeded"
        if etype == "payment_intent.payment_failed" or (etype is None and not succeeded):
            if attempt is None or succeeded or not pi.get("last_payment_error"):
                return ApplyResult("ignored")
            return self.set_status(attempt, PaymentStatus.DECLINED, decline_reason(pi))
        if not succeeded:
            return ApplyResult("ignored")
        if attempt is None and not self.trusted:
            if self.gateway is None:
                return ApplyResult("deferred")
            pi = self.gateway.retrieve_payment_intent(str(pi["id"]))
            self.trusted = True
            verified = self.invoice_of(None, pi.get("metadata"))
            if pi.get("status") != "succeeded" or verified != invoice:
                return ApplyResult("ignored")
        return self.record_payment(
            invoice,
            attempt,
            pi_id=str(pi["id"]),
            amount=int(pi.get("amount_received") or pi.get("amount") or 0),
            currency=str(pi.get("currency") or invoice.currency),
            session_id=None,
            charge=pi.get("latest_charge"),
        )

    def charge(self, ch: dict[str, Any]) -> ApplyResult:
        result = ApplyResult("ignored")
        pi_id = _id(ch.get("payment_intent"))
        payment = db.payment_by_intent(self.s, pi_id) if pi_id else None
        if payment is None:
            return result
        if self.fill_card(payment, ch):
            result.outcome = "status"
        for refund in (ch.get("refunds") or {}).get("data") or []:
            result.merge(self.refund(refund))
        return result

    def refund(self, refund: dict[str, Any]) -> ApplyResult:
        from kiosk.payments.refunds import apply_refund_object

        return apply_refund_object(self, refund)

    # -- the money ----------------------------------------------------------------------------

    def record_payment(
        self,
        invoice: InvoiceRef,
        attempt: AttemptRow | None,
        *,
        pi_id: str,
        amount: int,
        currency: str,
        session_id: str | None,
        charge: Any,
    ) -> ApplyResult:
        """Money received: one payment per PaymentIntent, however often it is reported."""
        if amount <= 0:
            return ApplyResult("ignored")
        # Lock the invoice first: concurrent payments for it allocate one after the other.
        db.lock_invoice(self.s, invoice.id)
        currency = currency.upper()
        late = late_after_close(self.s, attempt, charge, self.event_created)
        brand, last4 = _card(charge)
        method, vpa = pay_methods.of_charge(charge)
        row = {
            "invoice_id": invoice.id,
            "attempt_id": attempt.id if attempt else None,
            "stripe_payment_intent": pi_id,
            "stripe_charge_id": _id(charge),
            "stripe_session_id": session_id,
            "amount": amount,
            "currency": currency,
            "channel": attempt.channel if attempt else "checkout",
            "card_brand": brand,
            "card_last4": last4,
            "method": method,  # "" until the charge is read (fill_card_from_stripe)
            "upi_vpa": vpa,
            "source": self.source,
            "desk": self.desk,
            "staff_user_id": attempt.staff_user_id if attempt else None,
            "flag": "late_after_cancel" if late else "",
            "received_at": utcnow(),
        }
        payment_id = db.insert_ignore(self.s, Payment, row, ["stripe_payment_intent"], "id")
        if payment_id is None:  # recorded before (or by another desk a moment ago)
            return self.already_paid(attempt, pi_id, session_id, charge)
        credit = self.allocate(invoice, payment_id, amount, currency)
        flag = str(row["flag"]) or ("overpayment" if credit else "")
        if flag and not late:
            db.run(self.s, db.SET_FLAG, {"pid": payment_id, "flag": flag})
        receipt = record_receipt(
            self.s,
            prefix=str(_setting(self.settings, "receipts.prefix")),
            timezone=str(_setting(self.settings, "desk.timezone")),
            desk=self.desk,
            payment_id=payment_id,
        )
        audit.record(
            self.s,
            "payment.received",
            desk=self.desk,
            target=invoice.number,
            amount=amount,
            currency=currency,
            payment_intent=pi_id,
            source=self.source,
            receipt=receipt,
            attempt=attempt.public_id if attempt else None,
            credit=credit,
            flag=flag,
        )
        result = ApplyResult("applied", payment_id=payment_id, balance_changed=[invoice.id])
        if not last4 and not vpa:
            result.cards_to_fill.append((payment_id, pi_id))
        reason = {
            "late_after_cancel": "paid after the desk cancelled: refund or keep",
            "overpayment": "overpaid: the excess is credit",
        }.get(flag, "")
        if attempt is None:
            result.changes.append(
                StatusChange(None, invoice.number, PaymentStatus.PAID, reason, payment_id)
            )
            return result
        result.merge(
            self.set_status(
                attempt, PaymentStatus.PAID, reason, session_id=session_id, payment_id=payment_id
            )
        )
        result.outcome = "applied"
        return result

    def allocate(self, invoice: InvoiceRef, payment_id: int, amount: int, currency: str) -> int:
        """Allocation rows for a new payment; returns the credit no component could take."""
        if currency != invoice.currency.upper():
            return amount  # never mix currencies: all of it is credit for a supervisor
        due = [
            ComponentDue(cid, total, int(paid), prio, due, pos)
            for cid, total, prio, due, pos, paid in db.components_due(self.s, invoice.id)
        ]
        split = allocate(amount, due)
        db.add_allocations(self.s, payment_id, split.parts)
        return split.credit

    def already_paid(
        self, attempt: AttemptRow | None, pi_id: str, session_id: str | None, charge: Any
    ) -> ApplyResult:
        payment = db.payment_by_intent(self.s, pi_id)
        payment_id = payment[0] if payment else None
        result = ApplyResult("duplicate", payment_id=payment_id)
        if payment is not None:
            self.fill_card(payment, charge)
            if session_id:  # first reported by its PaymentIntent, which names no session
                db.run(
                    self.s, db.SET_PAYMENT_SESSION, {"pid": payment[0], "session_id": session_id}
                )
        if attempt is not None and attempt.status != PaymentStatus.PAID:
            result.merge(
                self.set_status(
                    attempt, PaymentStatus.PAID, "", session_id=session_id, payment_id=payment_id
                )
            )
            result.outcome = "status"
        return result

    def fill_card(self, payment: Any, charge: Any) -> bool:
        if pay_methods.fill_upi(self.s, payment[0], charge):
            return True
        brand, last4 = _card(charge)
        if not last4 or payment[1]:
            return False
        db.run(self.s, db.SET_CARD, {"pid": payment[0], "brand": brand, "last4": last4})
        return True

    def set_status(
        self,
        attempt: AttemptRow,
        status: PaymentStatus,
        reason: str = "",
        *,
        session_id: str | None = None,
        payment_id: int | None = None,
    ) -> ApplyResult:
        """Move an attempt forward. Paid is never undone; a finished attempt only becomes paid
        (money that arrives late is still money)."""
        current = PaymentStatus(attempt.status)
        if current == status and attempt.last_error == reason:
            if session_id and not attempt.stripe_session_id:
                db.set_status(self.s, attempt, status, reason, session_id, status in LIVE)
            return ApplyResult("duplicate")
        if current == PaymentStatus.PAID or (current not in LIVE and status != PaymentStatus.PAID):
            return ApplyResult("ignored")
        db.set_status(self.s, attempt, status.value, reason, session_id, status in LIVE)
        result = ApplyResult("status")
        link = attempt.channel in ("payment_link", "fee_slip") and attempt.stripe_id
        if status not in LIVE and link:
            result.links_to_deactivate.append((attempt.public_id, str(attempt.stripe_id)))
        change = StatusChange(attempt.public_id, attempt.invoice_number, status, reason, payment_id)
        result.changes.append(change)
        return result

    def set_status_of(self, public_id: str, status: PaymentStatus, reason: str = "") -> ApplyResult:
        return self.set_status(self.attempt_row(public_id), status, reason)
