"""What the desk asks Stripe for: the parameters of sessions, prices and links.

Built only from what the ledger stores about an attempt, so a request re-issued after a
crash is byte-for-byte the first one (Stripe rejects a reused Idempotency-Key whose
parameters differ).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.money import to_stripe_currency

INACTIVE_LINK = "This payment link is no longer active. Please ask the fee desk for a new one."
STALE_SLIP = (
    "This fee slip is out of date: the balance of this invoice has changed. "
    "Please ask the fee desk for a new slip."
)


@dataclass(frozen=True)
class Charge:
    """One attempt's request, as Stripe will see it."""

    attempt_id: str
    invoice_number: str
    student_name: str
    student_number: str
    amount: int
    currency: str
    covers: str  # "Tuition, Hostel"
    desk: str
    staff: str
    expires_at: int  # epoch seconds
    customer: str | None
    email: str
    methods: tuple[str, ...] = ()  # payment_method_types; empty: Stripe's dynamic methods

    @property
    def metadata(self) -> dict[str, str]:
        values = {
            "invoice": self.invoice_number,
            "attempt": self.attempt_id,
            "desk": self.desk[:500],
            "staff": self.staff[:500],
            "student": self.student_number,
        }
        # Stripe reads an empty value as "unset this key": leave empty ones out.
        return {k: v for k, v in values.items() if v}

    @property
    def product_name(self) -> str:
        return f"Invoice {self.invoice_number}: {self.covers}"[:250]

    @property
    def description(self) -> str:
        return (
            f"{self.student_name} ({self.student_number}), fees for invoice {self.invoice_number}"
        )

    def price_data(self) -> dict[str, Any]:
        return {
            "currency": to_stripe_currency(self.currency),
            "unit_amount": self.amount,
            "product_data": {"name": self.product_name, "description": self.description},
        }


def checkout_session(c: Charge, success_url: str, cancel_url: str) -> dict[str, Any]:
    # success_url keeps {CHECKOUT_SESSION_ID} literal: the form encoder sends it as typed.
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [{"price_data": c.price_data(), "quantity": 1}],
        "client_reference_id": c.attempt_id,
        "metadata": c.metadata,
        "payment_intent_data": {"metadata": c.metadata, "description": c.description},
        "expires_at": c.expires_at,
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if c.methods:
        params["payment_method_types"] = list(c.methods)
    if c.customer:
        params["customer"] = c.customer
    elif c.email:
        params["customer_email"] = c.email
    return params


def price(c: Charge) -> dict[str, Any]:
    data = c.price_data()
    return {
        "currency": data["currency"],
        "unit_amount": c.amount,
        "product_data": {"name": c.product_name, "metadata": {"invoice": c.invoice_number}},
        "metadata": c.metadata,
    }


def payment_link(c: Charge, price_id: str, inactive_message: str = INACTIVE_LINK) -> dict[str, Any]:
    params = _link(c, price_id, inactive_message)
    if c.methods:
        params["payment_method_types"] = list(c.methods)
    return params


def _link(c: Charge, price_id: str, inactive_message: str) -> dict[str, Any]:
    return {
        "line_items": [{"price": price_id, "quantity": 1}],
        "metadata": c.metadata,
        "payment_intent_data": {"metadata": c.metadata, "description": c.description},
        "restrictions": {"completed_sessions": {"limit": 1}},
        "after_completion": {
            "type": "hosted_confirmation",
            "hosted_confirmation": {
                "custom_message": f"Payment received for invoice {c.invoice_number}. "
                "Your receipt is at the fee desk."
            },
        },
        "inactive_message": inactive_message,
    }


def success_url(settings: Any) -> str:
    """Where Checkout sends the payer: `stripe.success_url` as set, or, left at its
    placeholder with a relay configured, the relay's confirmation page (GET /paid), which
    shows the payment and, once issued, the receipt number."""
    from kiosk.config import option

    configured = str(settings.get("stripe.success_url"))
    relay = str(settings.get("relay.url") or "").rstrip("/")
    if relay and configured == option("stripe.success_url").default:
        return f"{relay}/paid?session={{CHECKOUT_SESSION_ID}}"
    return configured
