"""Sandbox-only test helpers (Stripe has none for Checkout), namespaced like Stripe's own.

- POST /v1/test_helpers/checkout/sessions/{id}/pay   card_number=…, email=… (optional)
- POST /v1/test_helpers/checkout/sessions/{id}/expire_now
- POST /v1/test_helpers/refunds/{id}/fail            failure_reason=… (optional)
"""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import checkout_payment, expand, params, refunds_logic, sessions_logic
from kiosk.sandbox.engine import Call, Sandbox

PAY: params.Spec = {
    "card_number": params.string(40),
    "email": params.email(800),
    "expand": params.expand_list,
}
EXPIRE: params.Spec = {"expand": params.expand_list}
FAIL: params.Spec = {
    "failure_reason": params.enum(
        "lost_or_stolen_card",
        "expired_or_canceled_card",
        "charge_for_pending_refund_disputed",
        "insufficient_funds",
        "declined",
        "merchant_request",
        "unknown",
    ),
    "expand": params.expand_list,
}


def pay(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(PAY, call.params, required=("card_number",))
    session = sb.store.require("checkout.session", call.args["id"])
    checkout_payment.pay(sb, session, v["card_number"], v.get("email"), call)
    return expand.render(sb, session, v.get("expand"))


def expire_now(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(EXPIRE, call.params)
    session = sb.store.require("checkout.session", call.args["id"])
    if session["status"] == "open":
        session["expires_at"] = min(session["expires_at"], sb.now())
        sessions_logic.expire(sb, session, call)
    return expand.render(sb, session, v.get("expand"))


def fail_refund(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(FAIL, call.params)
    refund = sb.store.require("refund", call.args["id"])
    refunds_logic.fail(sb, refund, v.get("failure_reason") or "expired_or_canceled_card", call)
    return expand.render(sb, refund, v.get("expand"))


ROUTES = [
    ("POST", "/v1/test_helpers/checkout/sessions/{id}/pay", pay),
    ("POST", "/v1/test_helpers/checkout/sessions/{id}/expire_now", expire_now),
    ("POST", "/v1/test_helpers/refunds/{id}/fail", fail_refund),
]
