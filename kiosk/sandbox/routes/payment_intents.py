"""PaymentIntents used directly: create, retrieve, update, list, confirm, capture, cancel.

Confirm with the test PaymentMethods (pm_card_visa, pm_card_chargeDeclined,
pm_card_chargeDeclinedInsufficientFunds, …; see cards.py).
"""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import cards, currencies, expand, params, payments
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import StripeError, missing_param
from kiosk.sandbox.routes.common import LIST_SPEC, given, list_page, retrieve, update
from kiosk.sandbox.store import Obj

CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)
CONFIRMABLE = ("requires_payment_method", "requires_confirmation")
# Stripe's words (https://github.com/woocommerce/woocommerce-gateway-stripe/issues/2982)
RETURN_URL_REQUIRED = (
    "A `return_url` must be specified because this Payment Intent is configured to "
    "automatically accept the payment methods enabled in the Dashboard, some of which may "
    "require a full page redirect to succeed. If you do not want to accept redirect-based "
    "payment methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents "
    "and Payment Intents."
)
CREATE: params.Spec = {
    "amount": params.integer(),
    "currency": params.string(3),
    "payment_method_types": params.list_of(params.string(40), max_items=30),
    "automatic_payment_methods": params.obj(
        {"enabled": params.boolean, "allow_redirects": params.enum("always", "never")}
    ),
    "capture_method": params.enum("automatic", "automatic_async", "manual"),
    "confirmation_method": params.enum("automatic", "manual"),
    "confirm": params.boolean,
    "customer": params.string(),
    "payment_method": params.string(),
    "metadata": params.metadata,
    "description": params.string(1000),
    "receipt_email": params.string(800),
    "statement_descriptor": params.string(22),
    "statement_descriptor_suffix": params.string(22),
    "setup_future_usage": params.enum("off_session", "on_session"),
    "return_url": params.string(),
    "off_session": params.boolean,
    "expand": params.expand_list,
}
UPDATE: params.Spec = {
    k: CREATE[k] for k in ("metadata", "description", "receipt_email", "payment_method", "expand")
}
CONFIRM: params.Spec = {
    k: CREATE[k] for k in ("payment_method", "return_url", "receipt_email", "off_session", "expand")
}
CAPTURE: params.Spec = {"amount_to_capture": params.integer(1), "expand": params.expand_list}
CANCEL: params.Spec = {
    "cancellation_reason": params.enum(
        "duplicate", "fraudulent", "requested_by_customer", "abandoned"
    ),
    "expand": params.expand_list,
}
LIST: params.Spec = {**LIST_SPEC, "customer": params.string()}


def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(CREATE, call.params, required=("amount", "currency"))
    currency = currencies.check_currency(v["currency"])
    currencies.check_charge_amount(v["amount"], currency)
    if v.get("customer"):
        sb.store.require("customer", v["customer"], "customer")
    if v.get("payment_method"):
        cards.from_payment_method(v["payment_method"])
    elif v.get("confirm"):
        raise missing_param("payment_method")
    if v.get("confirm"):  # refused before anything is created
        _check_return_url(_apm(v), v.get("return_url"))
    pi = payments.new_intent(
        sb,
        call,
        amount=v["amount"],
        currency=currency,
        customer=v.get("customer"),
        metadata=params.fresh_metadata(v.get("metadata")),
        description=v.get("description"),
        receipt_email=v.get("receipt_email"),
        capture_method=v.get("capture_method") or "automatic_async",
        confirmation_method=v.get("confirmation_method") or "automatic",
        payment_method_types=v.get("payment_method_types") or ["card"],
        automatic_payment_methods=_apm(v),
        payment_method=v.get("payment_method"),
        statement_descriptor_suffix=v.get("statement_descriptor_suffix"),
        setup_future_usage=v.get("setup_future_usage"),
        status="requires_confirmation" if v.get("payment_method") else "requires_payment_method",
    )
    if v.get("confirm"):
        _confirm(sb, pi, v.get("payment_method"), call, return_url=v.get("return_url"))
    return expand.render(sb, pi, v.get("expand"))


def _check_return_url(apm: dict[str, Any] | None, return_url: str | None) -> None:
    if apm and apm.get("enabled") and apm.get("allow_redirects") != "never" and not return_url:
        raise StripeError(RETURN_URL_REQUIRED)


def _apm(v: dict[str, Any]) -> dict[str, Any] | None:
    if v.get("automatic_payment_methods"):
        apm = v["automatic_payment_methods"]
        return {
            "allow_redirects": apm.get("allow_redirects") or "always",
            "enabled": bool(apm.get("enabled")),
        }
    if v.get("payment_method_types"):
        return None
    return {"allow_redirects": "always", "enabled": True}


def confirm(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(CONFIRM, call.params)
    pi = _own(sb, call, "confirm")
    _confirm(sb, pi, v.get("payment_method"), call, v.get("receipt_email"), v.get("return_url"))
    return expand.render(sb, pi, v.get("expand"))


def _confirm(
    sb: Sandbox,
    pi: Obj,
    pm: str | None,
    call: Call,
    receipt_email: str | None = None,
    return_url: str | None = None,
) -> None:
    """Charge the PaymentIntent (a decline is a 402 that leaves its record behind)."""
    if pi["status"] not in CONFIRMABLE:
        raise _unexpected(pi, "confirm", CONFIRMABLE)
    _check_return_url(pi["automatic_payment_methods"], return_url)
    pm = pm or pi["payment_method"]
    if not pm:
        raise missing_param("payment_method")
    card = cards.from_payment_method(pm)
    if receipt_email:
        pi["receipt_email"] = receipt_email
    payments.charge(sb, pi, card, call, pi["receipt_email"])


def capture(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(CAPTURE, call.params)
    pi = _own(sb, call, "capture")
    return expand.render(
        sb, payments.capture(sb, pi, v.get("amount_to_capture"), call), v.get("expand")
    )


def cancel(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(CANCEL, call.params)
    pi = _own(sb, call, "cancel")
    if pi["status"] not in CANCELABLE:
        raise _unexpected(pi, "cancel", CANCELABLE)
    pi.update(
        status="canceled",
        canceled_at=sb.now(),
        amount_capturable=0,
        cancellation_reason=v.get("cancellation_reason"),
    )
    sb.emit("payment_intent.canceled", pi, call)
    return expand.render(sb, pi, v.get("expand"))


def modify(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(UPDATE, call.params)
    pi = sb.store.require("payment_intent", call.args["id"])
    if v.get("payment_method"):
        cards.from_payment_method(v["payment_method"])
    update(
        sb, call, pi, given(v, "metadata", "description", "receipt_email", "payment_method"), None
    )
    return expand.render(sb, pi, v.get("expand"))


def listing(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(LIST, call.params)
    customer = v.get("customer")
    keep = (lambda o: o["customer"] == customer) if customer else (lambda o: True)
    return list_page(sb, call, "payment_intent", "/v1/payment_intents", v, keep)


def _own(sb: Sandbox, call: Call, action: str) -> Obj:
    pi = sb.store.require("payment_intent", call.args["id"])
    if sb.store.peek(pi["id"]).get("checkout_session"):
        raise StripeError(
            f"You cannot {action} this PaymentIntent because it was created by a Checkout "
            "Session. To cancel, expire the Checkout Session instead.",
            code="payment_intent_unexpected_state",
        )
    return pi


def _unexpected(pi: Obj, action: str, allowed: tuple[str, ...]) -> StripeError:
    return StripeError(
        f"You cannot {action} this PaymentIntent because it has a status of {pi['status']}. "
        f"Only a PaymentIntent with one of the following statuses may be {action}ed: "
        f"{', '.join(allowed)}.",
        code="payment_intent_unexpected_state",
        extra={"payment_intent": pi},
    )


ROUTES = [
    ("POST", "/v1/payment_intents", create),
    ("GET", "/v1/payment_intents", listing),
    ("GET", "/v1/payment_intents/{id}", lambda sb, call: retrieve(sb, call, "payment_intent")),
    ("POST", "/v1/payment_intents/{id}", modify),
    ("POST", "/v1/payment_intents/{id}/confirm", confirm),
    ("POST", "/v1/payment_intents/{id}/capture", capture),
    ("POST", "/v1/payment_intents/{id}/cancel", cancel),
]
