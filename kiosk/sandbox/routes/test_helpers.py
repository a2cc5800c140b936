"""Sandbox-only test helpers (Stripe has none for Checkout), namespaced like Stripe's own.

- POST /v1/test_helpers/checkout/sessions/{id}/pay   card_number=…, email=… (optional);
  or payment_method_type=upi, vpa=… (see kiosk/sandbox/upi.py for the test VPAs)
- POST /v1/test_helpers/checkout/sessions/{id}/approve_upi   (a pending UPI payment)
- POST /v1/test_helpers/checkout/sessions/{id}/fail_upi
- POST /v1/test_helpers/charges/{id}/backdate        days=… (sandbox-only: refund windows)
- POST /v1/test_helpers/checkout/sessions/{id}/expire_now
- POST /v1/test_helpers/refunds/{id}/fail            failure_reason=… (optional)
"""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import checkout_payment, expand, params, refunds_logic, sessions_logic, upi
from kiosk.sandbox.engine import Call, Sandbox

PAY: params.Spec = {
    "card_number": params.string(40),
    "payment_method_type": params.enum("card", "upi"),
    "vpa": params.string(300),
    "email": params.email(800),
    "expand": params.expand_list,
}
EXPIRE: params.Spec = {"expand": params.expand_list}
BACKDATE: params.Spec = {"days": params.integer(1, 3650), "expand": params.expand_list}
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
    upi_pay = call.params.get("payment_method_type") == "upi"
    v = params.validate(PAY, call.params, required=("vpa",) if upi_pay else ("card_number",))
    session = sb.store.require("checkout.session", call.args["id"])
    if upi_pay:
        upi.pay(sb, session, v["vpa"], v.get("email"), call)
    else:
        checkout_payment.pay(sb, session, v["card_number"], v.get("email"), call)
    return expand.render(sb, session, v.get("expand"))


def approve_upi(sb: Sandbox, call: Call) -> dict[str, Any]:
    return _decide_upi(sb, call, approved=True)


def fail_upi(sb: Sandbox, call: Call) -> dict[str, Any]:
    return _decide_upi(sb, call, approved=False)


def _decide_upi(sb: Sandbox, call: Call, approved: bool) -> dict[str, Any]:
    v = params.validate(EXPIRE, call.params)
    session = sb.store.require("checkout.session", call.args["id"])
    upi.decide(sb, session, approved, call)
    return expand.render(sb, session, v.get("expand"))


def backdate_charge(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(BACKDATE, call.params, required=("days",))
    charge = sb.store.require("charge", call.args["id"])
    return expand.render(sb, upi.backdate(sb, charge, v["days"]), v.get("expand"))


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
    ("POST", "/v1/test_helpers/checkout/sessions/{id}/approve_upi", approve_upi),
    ("POST", "/v1/test_helpers/checkout/sessions/{id}/fail_upi", fail_upi),
    ("POST", "/v1/test_helpers/charges/{id}/backdate", backdate_charge),
]
