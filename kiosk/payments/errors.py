"""Payment errors. Each carries `.message`, a sentence a cashier can read: never a secret,
never a traceback, never Stripe's raw exception text unscrubbed."""

from __future__ import annotations

import re

_KEY = re.compile(r"\b(sk|rk|pk|whsec)_(test_|live_)?[A-Za-z0-9*]+")


def scrub(text: str) -> str:
    """Mask anything shaped like a Stripe key, so a message can be shown and logged."""
    return _KEY.sub(lambda m: f"{m.group(1)}_{m.group(2) or ''}***", text or "")


class PaymentError(Exception):
    """Base class: a payment step failed for a reason the desk can show."""

    def __init__(self, message: str) -> None:
        self.message = scrub(message)
        super().__init__(self.message)


class AmountError(PaymentError):
    """The amount typed cannot be charged (zero, above the balance, under Stripe's minimum)."""


class NotFound(PaymentError):
    """No such invoice, attempt, receipt or payment."""


class StripeUnavailable(PaymentError):
    """Network failure, timeout, 5xx or rate limit: worth retrying with the same key."""


class StripeRejected(PaymentError):
    """Stripe refused the request (bad key, missing permission, invalid parameters)."""


class OutcomeUnknown(StripeRejected):
    """Stripe refused a retried request as differing from the first one with its key: the
    first may well have taken effect. Ask Stripe what exists; never count it as refused."""


class CardDeclined(PaymentError):
    """The payer's card was declined; `reason` is Stripe's decline code."""

    def __init__(self, reason: str, message: str | None = None) -> None:
        self.reason = reason
        super().__init__(message or f"card declined: {reason.replace('_', ' ')}")


class AlreadyPaid(PaymentError):
    """The attempt or invoice is already paid."""


class NotRefundable(PaymentError):
    """The refund is larger than what remains, or the payment cannot be refunded."""


class AttemptBusy(PaymentError):
    """Another desk changed the same invoice's attempt at the same moment."""


UPI_REFUND_WINDOW = (
    "this UPI payment is more than 60 days old, and UPI payments can be refunded only "
    "within 60 days of payment; return the money another way (for example by bank transfer)"
)


def plain_refusal(code: str | None, message: str) -> str | None:
    """Stripe's refusal in a cashier's words, for the codes that need more than Stripe's
    sentence; None: Stripe's own message will do."""
    if code == "charge_not_refundable":
        if "UPI" in message and "60 days" in message:
            return UPI_REFUND_WINDOW
        return f"Stripe cannot refund this payment: {message}"
    return None
