"""Paying a Checkout Session: what the hosted page and the `pay` test helper both do."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import cards, ids, payments, shapes
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import invalid
from kiosk.sandbox.sessions_logic import refresh
from kiosk.sandbox.store import Obj


def pay(sb: Sandbox, session: Obj, card_number: str, email: str | None, call: Call | None) -> Obj:
    """What submitting the hosted page does: charge the card, complete the session."""
    check_payable(sb, refresh(sb, session))
    if "card" not in session["payment_method_types"]:
        raise invalid("This Checkout Session does not accept card payments.", "card_number")
    card = cards.lookup(card_number)
    email = email or session["customer_email"] or customer_email(sb, session)
    pi = intent_for(sb, session, call)
    payments.charge(sb, pi, card, call, email)
    return complete(sb, session, pi, email, call)


def check_payable(sb: Sandbox, session: Obj) -> None:
    if session["status"] == "expired":
        raise invalid("This Checkout Session has expired and can no longer be paid.")
    if session["status"] == "complete":
        raise invalid("This Checkout Session has already been completed.")
    if sb.store.peek(session["id"]).get("upi_pending"):
        raise invalid(
            "A UPI payment for this Checkout Session is waiting for approval in the "
            "payer's UPI app."
        )
    link = sb.store.objects.get(session["payment_link"] or "")
    limits = ((link or {}).get("restrictions") or {}).get("completed_sessions")
    if limits and limits["count"] >= limits["limit"]:
        raise invalid("This payment link has reached its limit of completed sessions.")


def customer_email(sb: Sandbox, session: Obj) -> str | None:
    customer = sb.store.objects.get(session["customer"] or "")
    return customer.get("email") if customer else None


def intent_for(sb: Sandbox, session: Obj, call: Call | None) -> Obj:
    side = sb.store.side(session["id"])
    existing = sb.store.objects.get(side.get("payment_intent") or "")
    if existing is not None:
        return existing
    data = side.get("payment_intent_data") or {}
    pi = payments.new_intent(
        sb,
        call,
        amount=session["amount_total"],
        currency=session["currency"],
        customer=session["customer"],
        metadata=dict(data.get("metadata") or {}),
        description=data.get("description"),
        receipt_email=data.get("receipt_email"),
        capture_method=data.get("capture_method") or "automatic_async",
        statement_descriptor_suffix=data.get("statement_descriptor_suffix"),
        setup_future_usage=data.get("setup_future_usage"),
        payment_method_types=list(session["payment_method_types"]),
        automatic_payment_methods=None,
    )
    side["payment_intent"] = pi["id"]
    sb.store.side(pi["id"])["checkout_session"] = session["id"]
    # Stripe creates the PaymentIntent when the payer confirms, so a declined session
    # already names it (API-NOTES §1.3; changelog 2022-08-01 deferred PaymentIntent)
    session["payment_intent"] = pi["id"]
    sb.store.dirty = True
    return pi


def complete(sb: Sandbox, session: Obj, pi: Obj, email: str | None, call: Call | None) -> Obj:
    customer = session["customer"]
    if customer is None and session["customer_creation"] == "always":
        customer = _create_customer(sb, email, call)
    details: dict[str, Any] = {
        "address": dict(payments.ADDRESS),
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": None,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }
    session.update(
        status="complete",
        payment_status="paid",
        payment_intent=pi["id"],
        customer=customer,
        customer_details=details,
        url=None,
    )
    sb.open_sessions.discard(session["id"])
    _count_link_completion(sb, session, call)
    sb.emit("checkout.session.completed", session, call)
    return session


def _create_customer(sb: Sandbox, email: str | None, call: Call | None) -> str:
    customer = shapes.new(
        "customer",
        id=ids.new_id("cus", 14),
        created=sb.now(),
        email=email,
        invoice_prefix=ids.token(8).upper(),
    )
    sb.store.add(customer)
    sb.emit("customer.created", customer, call)
    return str(customer["id"])


def _count_link_completion(sb: Sandbox, session: Obj, call: Call | None) -> None:
    """Count the completed session; at the limit the link deactivates itself: "When the
    payment link reaches the limit, it automatically deactivates"
    (https://docs.stripe.com/payment-links/customize, "Limit the number of times a payment
    link can be paid")."""
    link = sb.store.objects.get(session["payment_link"] or "")
    if not link or not link.get("restrictions"):
        return
    limits = link["restrictions"]["completed_sessions"]
    limits["count"] += 1
    if limits["count"] >= limits["limit"] and link["active"]:
        link["active"] = False
        sb.emit("payment_link.updated", link, call, {"active": True})
