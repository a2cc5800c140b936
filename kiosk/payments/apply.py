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
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.ledger import audit
from kiosk.ledger.allocation import ComponentDue, allocate
from kiosk.ledger.invoices import component_paid
from kiosk.ledger.models import (
    Allocation,
    FeeComponent,
    Invoice,
    Payment,
    PaymentAttempt,
    ProcessedEvent,
)
from kiosk.ledger.types import utcnow
from kiosk.payments.status import LIVE, PaymentStatus, StatusChange, publish_all
from kiosk.receipts.numbering import issue_receipt

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

    def merge(self, other: ApplyResult) -> ApplyResult:
        order = ("ignored", "duplicate", "deferred", "status", "applied")
        if order.index(other.outcome) > order.index(self.outcome):
            self.outcome = other.outcome
        self.changes += other.changes
        self.payment_id = self.payment_id or other.payment_id
        self.links_to_deactivate += other.links_to_deactivate
        self.balance_changed += other.balance_changed
        return self

    @property
    def fixed(self) -> bool:
        return self.outcome in ("applied", "status")


def publish_result(result: ApplyResult | None) -> None:
    """Publish the result's status changes. Call after the transaction committed."""
    if result is not None:
        publish_all(result.changes)


def finish(ctx: Any, gateway: StripeGateway | None, results: list[ApplyResult]) -> None:
    """After commit: publish the changes, then the Stripe follow-ups (best effort: a link
    that fails to deactivate is still limited to one completed session)."""
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
    if session.get(ProcessedEvent, event_id) is not None:
        return ApplyResult("duplicate")
    row = {
        "event_id": event_id,
        "type": etype[:80],
        "source": source,
        "created": int(event.get("created") or 0),
        "processed_at": utcnow(),
    }
    if not insert_ignore(session, ProcessedEvent, row, ["event_id"]):
        return ApplyResult("duplicate")
    obj = (event.get("data") or {}).get("object") or {}
    result = Applier(session, source, desk, gateway, settings).event(etype, obj)
    processed = session.get(ProcessedEvent, event_id)
    if result.outcome == "deferred" and processed is not None:
        session.delete(processed)  # not verified yet: let reconcile see it again
    elif processed is not None:
        processed.outcome = result.outcome
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


LATE = (PaymentStatus.CANCELLED, PaymentStatus.EXPIRED)


def insert_ignore(
    session: Session, model: Any, row: dict[str, Any], keys: list[str], returning: Any = None
) -> Any:
    """INSERT … ON CONFLICT DO NOTHING: True (or the returned column) when the row is new.

    The unique index decides, so concurrent desks cannot both insert; on PostgreSQL the
    second waits for the first to commit, then does nothing.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(model).values(**row).on_conflict_do_nothing(index_elements=keys)
    stmt = stmt.returning(returning if returning is not None else model.__table__.c[keys[0]])
    value = session.execute(stmt).scalar()
    if returning is None:
        return value is not None
    return value


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
    code = err.get("decline_code") or err.get("code") or ""
    return f"card declined: {code.replace('_', ' ')}" if code else "card declined"


class Applier:
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
    ) -> PaymentAttempt | None:
        for public_id in (reference, (metadata or {}).get("attempt")):
            if public_id:
                found = self.s.scalar(
                    select(PaymentAttempt).where(PaymentAttempt.public_id == public_id)
                )
                if found is not None:
                    return found
        for sid in stripe_ids:
            if sid:
                found = self.s.scalar(
                    select(PaymentAttempt)
                    .where(
                        (PaymentAttempt.stripe_id == sid)
                        | (PaymentAttempt.stripe_session_id == sid)
                    )
                    .limit(1)
                )
                if found is not None:
                    return found
        return None

    def invoice_from_metadata(self, metadata: dict | None) -> Invoice | None:
        number = (metadata or {}).get("invoice")
        if not number:
            return None
        return self.s.scalar(select(Invoice).where(Invoice.number == number))

    # -- Checkout Sessions -------------------------------------------------------------------

    def session_object(self, cs: dict[str, Any], etype: str | None) -> ApplyResult:
        attempt = self.attempt_for(
            reference=cs.get("client_reference_id"),
            metadata=cs.get("metadata"),
            stripe_ids=(cs.get("id"), cs.get("payment_link")),
        )
        invoice = attempt.invoice if attempt else self.invoice_from_metadata(cs.get("metadata"))
        if invoice is None:
            return ApplyResult("ignored")  # not a fee payment of ours
        if attempt is None and not self.trusted:
            # Matches no attempt: read it from Stripe before acting on a payload.
            if self.gateway is None:
                return ApplyResult("deferred")
            cs = self.gateway.retrieve_session(str(cs["id"]))
            self.trusted = True
            if self.invoice_from_metadata(cs.get("metadata")) is not invoice:
                return ApplyResult("ignored")
        status, paid = cs.get("status"), cs.get("payment_status")
        if (
            status == "complete"
            and paid == "paid"
            and etype != "checkout.session.async_payment_failed"
        ):
            pi = cs.get("payment_intent")
            if not _id(pi):
                return ApplyResult("ignored")
            charge = pi.get("latest_charge") if isinstance(pi, dict) else None
            return self.record_payment(
                invoice,
                attempt,
                pi_id=str(_id(pi)),
                amount=int(cs.get("amount_total") or 0),
                currency=str(cs.get("currency") or invoice.currency),
                session_id=cs.get("id"),
                charge=charge,
            )
        if attempt is None:
            return ApplyResult("ignored")
        if etype == "checkout.session.async_payment_failed":
            return self.set_status(attempt, PaymentStatus.FAILED, "bank payment failed")
        if status == "complete":  # delayed method submitted: wait for async_payment_*
            return self.set_status(
                attempt, PaymentStatus.OPEN, "payment processing", session_id=cs.get("id")
            )
        if status == "expired" and attempt.channel == "checkout":
            return self.set_status(attempt, PaymentStatus.EXPIRED, "session expired")
        if status == "open":
            pi = cs.get("payment_intent")
            if isinstance(pi, dict) and pi.get("last_payment_error"):
                return self.set_status(
                    attempt, PaymentStatus.DECLINED, decline_reason(pi), session_id=cs.get("id")
                )
        return ApplyResult("ignored")

    # -- PaymentIntents ---------------------------------------------------------------------

    def intent(self, pi: dict[str, Any], etype: str | None) -> ApplyResult:
        meta = pi.get("metadata") or {}
        attempt = self.attempt_for(metadata=meta, stripe_ids=(pi.get("id"),))
        invoice = attempt.invoice if attempt else self.invoice_from_metadata(meta)
        if invoice is None:
            return ApplyResult("ignored")
        succeeded = pi.get("status") == "succeeded"
        if etype == "payment_intent.payment_failed" or (etype is None and not succeeded):
            if attempt is None or pi.get("status") == "succeeded":
                return ApplyResult("ignored")
            if not pi.get("last_payment_error"):
                return ApplyResult("ignored")
            return self.set_status(attempt, PaymentStatus.DECLINED, decline_reason(pi))
        if not succeeded:
            return ApplyResult("ignored")
        if attempt is None and not self.trusted:
            if self.gateway is None:
                return ApplyResult("deferred")
            pi = self.gateway.retrieve_payment_intent(str(pi["id"]))
            self.trusted = True
            if (
                pi.get("status") != "succeeded"
                or self.invoice_from_metadata(pi.get("metadata")) is not invoice
            ):
                return ApplyResult("ignored")
        amount = int(pi.get("amount_received") or pi.get("amount") or 0)
        return self.record_payment(
            invoice,
            attempt,
            pi_id=str(pi["id"]),
            amount=amount,
            currency=str(pi.get("currency") or invoice.currency),
            session_id=None,
            charge=pi.get("latest_charge"),
        )

    def charge(self, ch: dict[str, Any]) -> ApplyResult:
        result = ApplyResult("ignored")
        payment = self.s.scalar(
            select(Payment).where(Payment.stripe_payment_intent == _id(ch.get("payment_intent")))
        )
        if payment is None:
            return result
        brand, last4 = _card(ch)
        if last4 and not payment.card_last4:
            payment.card_brand, payment.card_last4 = brand, last4
            payment.stripe_charge_id = payment.stripe_charge_id or ch.get("id")
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
        invoice: Invoice,
        attempt: PaymentAttempt | None,
        *,
        pi_id: str,
        amount: int,
        currency: str,
        session_id: str | None,
        charge: Any,
    ) -> ApplyResult:
        existing = self.s.scalar(select(Payment.id).where(Payment.stripe_payment_intent == pi_id))
        if existing is not None:
            return self.already_paid(attempt, existing, session_id, charge)
        if amount <= 0:
            return ApplyResult("ignored")
        # Lock the invoice: concurrent payments for it allocate one after the other.
        self.s.execute(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
        currency = currency.upper()
        late = attempt is not None and attempt.status in LATE
        brand, last4 = _card(charge)
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
            "source": self.source,
            "desk": self.desk,
            "staff_user_id": attempt.staff_user_id if attempt else None,
            "flag": "late_after_cancel" if late else "",
            "received_at": utcnow(),
        }
        payment_id = insert_ignore(
            self.s, Payment, row, ["stripe_payment_intent"], returning=Payment.id
        )
        if payment_id is None:  # another desk recorded it a moment ago
            existing = self.s.scalar(
                select(Payment.id).where(Payment.stripe_payment_intent == pi_id)
            )
            return self.already_paid(attempt, existing, session_id, charge)
        credit = self.allocate(invoice, payment_id, amount, currency)
        if credit and not late:
            self.s.execute(
                Payment.__table__.update()
                .where(Payment.id == payment_id)
                .values(flag="overpayment")
            )
        receipt = issue_receipt(
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
            attempt=attempt.public_id if attempt else None,
            source=self.source,
            receipt=receipt.number,
            credit=credit,
            flag="late_after_cancel" if late else ("overpayment" if credit else ""),
        )
        result = ApplyResult("applied", payment_id=payment_id, balance_changed=[invoice.id])
        reason = (
            "paid after the desk cancelled: refund or keep"
            if late
            else ("overpaid: the excess is credit" if credit else "")
        )
        if attempt is not None:
            result.merge(
                self.set_status(
                    attempt,
                    PaymentStatus.PAID,
                    reason,
                    session_id=session_id,
                    payment_id=payment_id,
                )
            )
            result.outcome = "applied"
        else:
            result.changes.append(
                StatusChange(None, invoice.number, PaymentStatus.PAID, reason, payment_id)
            )
        return result

    def allocate(self, invoice: Invoice, payment_id: int, amount: int, currency: str) -> int:
        """Allocation rows for a new payment; returns the credit no component could take."""
        if currency != invoice.currency.upper():
            return amount  # never mix currencies: all of it is credit for a supervisor
        paid = component_paid(self.s, invoice.id)
        comps = self.s.execute(
            select(
                FeeComponent.id,
                FeeComponent.amount,
                FeeComponent.priority,
                FeeComponent.due_date,
                FeeComponent.position,
            ).where(FeeComponent.invoice_id == invoice.id)
        ).all()
        split = allocate(
            amount,
            [
                ComponentDue(c.id, c.amount, paid.get(c.id, 0), c.priority, c.due_date, c.position)
                for c in comps
            ],
        )
        if split.parts:
            now = utcnow()
            self.s.execute(
                Allocation.__table__.insert(),
                [
                    {
                        "payment_id": payment_id,
                        "component_id": cid,
                        "amount": part,
                        "refund_id": None,
                        "created_at": now,
                    }
                    for cid, part in split.parts
                ],
            )
        return split.credit

    def already_paid(
        self,
        attempt: PaymentAttempt | None,
        payment_id: int | None,
        session_id: str | None,
        charge: Any,
    ) -> ApplyResult:
        result = ApplyResult("duplicate", payment_id=payment_id)
        brand, last4 = _card(charge)
        if last4 and payment_id is not None:
            payment = self.s.get(Payment, payment_id)
            if payment is not None and not payment.card_last4:
                payment.card_brand, payment.card_last4 = brand, last4
        if attempt is not None and attempt.status != PaymentStatus.PAID:
            result.merge(
                self.set_status(
                    attempt, PaymentStatus.PAID, "", session_id=session_id, payment_id=payment_id
                )
            )
            result.outcome = "status"
        return result

    def set_status(
        self,
        attempt: PaymentAttempt,
        status: PaymentStatus,
        reason: str = "",
        *,
        session_id: str | None = None,
        payment_id: int | None = None,
    ) -> ApplyResult:
        """Move an attempt forward. Paid is never undone; a finished attempt only becomes paid
        (money that arrives late is still money)."""
        current = PaymentStatus(attempt.status)
        if session_id and not attempt.stripe_session_id:
            attempt.stripe_session_id = session_id
        if current == status and (attempt.last_error or "") == reason:
            return ApplyResult("duplicate")
        if current not in LIVE and status != PaymentStatus.PAID:
            return ApplyResult("ignored")
        if current == PaymentStatus.PAID:
            return ApplyResult("ignored")
        attempt.status = status.value
        attempt.last_error = reason
        attempt.updated_at = utcnow()
        result = ApplyResult("status")
        if status not in LIVE:
            attempt.live_invoice_id = None
            if attempt.channel in ("payment_link", "fee_slip") and attempt.stripe_id:
                result.links_to_deactivate.append((attempt.public_id, attempt.stripe_id))
        result.changes.append(
            StatusChange(attempt.public_id, attempt.invoice.number, status, reason, payment_id)
        )
        return result
