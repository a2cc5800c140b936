"""The shapes of the Stripe objects the desk reads, for the type checker.

Stripe's objects reach the ledger two ways: from the API through the gateway (stripe-python
objects, turned into plain dicts by `to_dict()`) and as JSON in relay and events-list
payloads. One apply path takes both, so the objects stay dicts; these TypedDicts say
which fields of them we read and what those fields hold, so a misspelt field or a field
read as the wrong type fails `mypy --strict`. Field names and types follow stripe-python's
own resource classes (`stripe.checkout.Session`, `stripe.PaymentIntent`, …);
tests/payments/test_stripe_shapes.py holds every field here to those classes.

Every field is optional (`total=False`): payloads differ by API version and expansion, and
the code reads them with `.get`. An expandable field is its id, or the object when
expanded.
"""

from __future__ import annotations

from typing import Any, TypedDict

Metadata = dict[str, str]


class CardDetails(TypedDict, total=False):
    brand: str
    last4: str


class UpiDetails(TypedDict, total=False):
    vpa: str | None


class PaymentMethodDetails(TypedDict, total=False):
    type: str
    card: CardDetails
    upi: UpiDetails


class RefundList(TypedDict, total=False):
    data: list[Refund]
    has_more: bool


class Charge(TypedDict, total=False):
    id: str
    object: str
    amount: int
    amount_refunded: int
    currency: str
    created: int
    metadata: Metadata
    payment_intent: str | PaymentIntent | None
    payment_method_details: PaymentMethodDetails | None
    refunded: bool
    refunds: RefundList | None  # absent since API 2022-11-15 unless expanded


class PaymentMethodRef(TypedDict, total=False):
    type: str


class LastPaymentError(TypedDict, total=False):
    code: str
    decline_code: str
    message: str
    type: str
    payment_method: PaymentMethodRef


class NextAction(TypedDict, total=False):
    type: str


class PaymentIntent(TypedDict, total=False):
    id: str
    object: str
    amount: int
    amount_received: int
    currency: str
    created: int
    status: str
    metadata: Metadata
    customer: str | None
    latest_charge: str | Charge | None
    last_payment_error: LastPaymentError | None
    next_action: NextAction | None
    payment_method_types: list[str]


class CheckoutSession(TypedDict, total=False):
    id: str
    object: str
    amount_total: int | None
    currency: str | None
    created: int
    expires_at: int
    status: str | None  # open | complete | expired
    payment_status: str  # paid | unpaid | no_payment_required
    payment_intent: str | PaymentIntent | None
    payment_link: str | PaymentLink | None
    client_reference_id: str | None
    customer: str | None
    customer_email: str | None
    metadata: Metadata | None
    url: str | None


class PaymentLink(TypedDict, total=False):
    id: str
    object: str
    active: bool
    url: str
    metadata: Metadata
    restrictions: dict[str, Any] | None  # {"completed_sessions": {"limit": 1}}: single use


class Price(TypedDict, total=False):
    id: str
    object: str
    unit_amount: int | None
    currency: str


class Refund(TypedDict, total=False):
    id: str
    object: str
    amount: int
    currency: str
    created: int
    status: str | None  # pending | requires_action | succeeded | failed | canceled
    charge: str | Charge | None
    payment_intent: str | PaymentIntent | None
    failure_reason: str
    metadata: Metadata | None


class EventData(TypedDict, total=False):
    object: dict[str, Any]  # the object the event is about; its shape depends on `type`


class Event(TypedDict, total=False):
    id: str
    object: str
    type: str
    created: int
    livemode: bool
    data: EventData


StripeObject = CheckoutSession | PaymentIntent | Charge | Refund | PaymentLink
