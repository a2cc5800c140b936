"""Recording money and moving attempts: the writes every apply ends in.

`Recorder` holds the session and the source; `kiosk.payments.apply.Applier` builds on it
to read Stripe's objects. One payment per PaymentIntent (unique), its allocations, its
receipt number and its audit entry, all in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.orm import Session

from kiosk.ledger import audit
from kiosk.ledger.allocation import ComponentDue, allocate
from kiosk.ledger.models import Payment
from kiosk.ledger.numbering import record_receipt
from kiosk.ledger.types import utcnow
from kiosk.payments import ledger_writes as db
from kiosk.payments import methods as pay_methods
from kiosk.payments import outbox
from kiosk.payments import stripe_shapes as shapes
from kiosk.payments.lateness import late_after_close
from kiosk.payments.ledger_writes import AttemptRow
from kiosk.payments.results import ApplyResult, Outcome
from kiosk.payments.status import LIVE, PaymentStatus, StatusChange

insert_ignore = db.insert_ignore


def setting_of(settings: Any, key: str) -> Any:
    if settings is not None:
        return settings.value(key)
    from kiosk.config import option

    return option(key).default


def stripe_id_of(value: Any) -> str | None:
    """An expandable field: the id string, or the expanded object's id."""
    found = value.get("id") if isinstance(value, dict) else value
    return cast("str | None", found)  # Stripe's JSON


def card_of(charge: Any) -> tuple[str, str]:
    if not isinstance(charge, dict):
        return "", ""
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    return str(card.get("brand") or "")[:30], str(card.get("last4") or "")[:4]


def decline_reason(pi: shapes.PaymentIntent | None) -> str:
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


class Recorder:
    """The ledger writes of applying, in one session."""

    def __init__(self, session: Session, source: str, desk: str, settings: Any) -> None:
        self.s = session
        self.source = source
        self.desk = desk
        self.settings = settings
        self.event_created: int | None = None  # when applying an event: its `created`

    def attempt_row(self, public_id: str) -> AttemptRow:
        found = db.attempt(self.s, db.ATTEMPT_BY_PUBLIC_ID, public_id)
        if found is None:
            raise LookupError(f"no payment attempt {public_id!r}")
        return found

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
            return ApplyResult(Outcome.IGNORED)
        # Lock the invoice first: concurrent payments for it allocate one after the other.
        db.lock_invoice(self.s, invoice.id)
        currency = currency.upper()
        late = late_after_close(self.s, attempt, charge, self.event_created)
        brand, last4 = card_of(charge)
        method, vpa = pay_methods.of_charge(charge)
        row = {
            "invoice_id": invoice.id,
            "attempt_id": attempt.id if attempt else None,
            "stripe_payment_intent": pi_id,
            "stripe_charge_id": stripe_id_of(charge),
            "stripe_session_id": session_id,
            "amount": amount,
            "currency": currency,
            "channel": attempt.channel if attempt else "checkout",
            "card_brand": brand,
            "card_last4": last4,
            "method": method,  # "" until the charge is read (the fill_card follow-up)
            "upi_vpa": vpa,
            "source": self.source,
            "desk": self.desk,
            "staff_user_id": attempt.staff_user_id if attempt else None,
            "flag": "late_after_cancel" if late else "",
            "received_at": utcnow(),
            "counter_session_id": self.counter_session(attempt.desk if attempt else ""),
        }
        payment_id = db.insert_ignore(self.s, Payment, row, ["stripe_payment_intent"], "id")
        if payment_id is None:  # recorded before (or by another desk a moment ago)
            return self.already_paid(attempt, pi_id, session_id, charge)
        _, flag, _ = self.book(
            invoice,
            payment_id,
            row,
            late=late,
            payment_intent=pi_id,
            attempt=attempt.public_id if attempt else None,
        )
        # Its follow-ups (fee slips, card details) are owed from now: the new row, with
        # followed_up_at NULL, is their outbox entry (kiosk.payments.outbox).
        return self.paid(invoice, attempt, payment_id, session_id, flag)

    def book(
        self,
        invoice: InvoiceRef,
        payment_id: int,
        row: dict[str, Any],
        *,
        late: bool = False,
        **details: Any,
    ) -> tuple[int, str, str]:
        """What every new payment gets, whatever the tender: its allocation (the excess is
        credit), its flag, its receipt number and its audit entry. Returns (credit, flag,
        receipt number)."""
        amount, currency = int(row["amount"]), str(row["currency"])
        credit = self.allocate(invoice, payment_id, amount, currency)
        flag = str(row.get("flag") or "") or ("overpayment" if credit else "")
        if flag and not late:
            db.run(self.s, db.SET_FLAG, {"pid": payment_id, "flag": flag})
        receipt = self.number_receipt(payment_id)
        audit.record(
            self.s,
            "payment.received",
            desk=self.desk,
            target=invoice.number,
            amount=amount,
            currency=currency,
            channel=row.get("channel"),
            source=self.source,
            receipt=receipt,
            credit=credit,
            flag=flag,
            **details,
        )
        return credit, flag, receipt

    def counter_session(self, desk: str) -> int | None:
        """The open counter session of the desk that took the payment, for its report."""
        if not desk:
            return None
        return db.run(self.s, db.OPEN_COUNTER_SESSION, {"desk": desk}).scalar()

    def number_receipt(self, payment_id: int) -> str:
        return record_receipt(
            self.s,
            prefix=str(setting_of(self.settings, "receipts.prefix")),
            timezone=str(setting_of(self.settings, "desk.timezone")),
            desk=self.desk,
            payment_id=payment_id,
        )

    def paid(
        self,
        invoice: InvoiceRef,
        attempt: AttemptRow | None,
        payment_id: int,
        session_id: str | None,
        flag: str,
    ) -> ApplyResult:
        """The status change for new money: the attempt (if any) is paid."""
        result = ApplyResult(Outcome.APPLIED, payment_id=payment_id)
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
        result.outcome = Outcome.APPLIED
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
        result = ApplyResult(Outcome.DUPLICATE, payment_id=payment_id)
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
            result.outcome = Outcome.STATUS
        return result

    def fill_card(self, payment: Any, charge: Any) -> bool:
        if pay_methods.fill_upi(self.s, payment[0], charge):
            return True
        brand, last4 = card_of(charge)
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
            return ApplyResult(Outcome.DUPLICATE)
        if current == PaymentStatus.PAID or (current not in LIVE and status != PaymentStatus.PAID):
            return ApplyResult(Outcome.IGNORED)
        db.set_status(self.s, attempt, status.value, reason, session_id, status in LIVE)
        result = ApplyResult(Outcome.STATUS)
        link = attempt.channel in ("payment_link", "fee_slip") and attempt.stripe_id
        if status not in LIVE and link:
            outbox.arm(self.s, outbox.DEACTIVATE_LINK, attempt.public_id, str(attempt.stripe_id))
        change = StatusChange(attempt.public_id, attempt.invoice_number, status, reason, payment_id)
        result.changes.append(change)
        return result

    def set_status_of(self, public_id: str, status: PaymentStatus, reason: str = "") -> ApplyResult:
        return self.set_status(self.attempt_row(public_id), status, reason)
