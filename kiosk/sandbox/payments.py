"""PaymentIntents and Charges: create an intent, charge a test card, record the events."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import balance, ids, shapes
from kiosk.sandbox.cards import Card
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import DOC_BASE, StripeError, card_error
from kiosk.sandbox.store import Obj

ADDRESS = {k: None for k in ("city", "country", "line1", "line2", "postal_code", "state")}


def billing_details(email: str | None) -> Obj:
    """A charge's or payment method's billing details: only the email is known."""
    return {"address": dict(ADDRESS), "email": email, "name": None, "phone": None, "tax_id": None}


def new_intent(sb: Sandbox, call: Call | None, **values: Any) -> Obj:
    pi_id = ids.new_id("pi", 24)
    pi = shapes.new(
        "payment_intent",
        id=pi_id,
        created=sb.now(),
        client_secret=f"{pi_id}_secret_{ids.token(25)}",
        **values,
    )
    sb.store.add(pi)
    sb.emit("payment_intent.created", pi, call)
    return pi


def charge(sb: Sandbox, pi: Obj, card: Card, call: Call | None, email: str | None = None) -> Obj:
    """Charge `card` for `pi`; on a decline record it and raise the 402 card_error."""
    pm_id = _new_payment_method(sb, card, pi["customer"], email)["id"]
    ch = _new_charge(sb, pi, card, pm_id, email)
    if ch["captured"]:
        ch["balance_transaction"] = balance.for_charge(sb, ch)
    sb.store.add(ch, card=card.number)
    previous = {"status": pi["status"], "latest_charge": pi["latest_charge"]}
    pi["latest_charge"] = ch["id"]
    pi["payment_method"] = pm_id
    if card.decline:
        _declined(sb, pi, ch, card, call, previous)
    _succeeded(sb, pi, ch, call)
    return ch


def _new_charge(sb: Sandbox, pi: Obj, card: Card, pm_id: str, email: str | None) -> Obj:
    ok = card.decline is None
    manual = pi["capture_method"] == "manual"
    ch_id = ids.new_id("ch", 24)
    ch = shapes.new(
        "charge",
        id=ch_id,
        created=sb.now(),
        amount=pi["amount"],
        currency=pi["currency"],
        customer=pi["customer"],
        description=pi["description"],
        payment_intent=pi["id"],
        payment_method=pm_id,
        metadata=dict(pi["metadata"]),
        receipt_email=pi["receipt_email"],
        status="succeeded" if ok else "failed",
        paid=ok,
        captured=ok and not manual,
        amount_captured=pi["amount"] if ok and not manual else 0,
        balance_transaction=None,  # set below once the charge is captured
        billing_details=billing_details(email),
        calculated_statement_descriptor="FEE KIOSK SANDBOX",
        failure_code=card.decline[0] if card.decline else None,
        failure_message=card.decline[2] if card.decline else None,
        outcome=_outcome(card),
        payment_method_details=_card_details(card),
        receipt_url=f"{sb.public_url}/receipts/{ch_id}" if ok else None,
    )
    # not included since API 2022-11-15: only `expand[]=refunds` or the refunds list gives
    # them (https://docs.stripe.com/changelog/2022-11-15/deprecates-charges-auto-expand)
    del ch["refunds"]
    return ch


def _outcome(card: Card) -> dict[str, Any]:
    if card.decline is None:
        return {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "risk_level": "normal",
            "risk_score": 20,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    return {
        "advice_code": "try_again_later",
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "declined_by_network",
        "reason": card.decline[1],
        "risk_level": "normal",
        "risk_score": 20,
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }


def _new_payment_method(sb: Sandbox, card: Card, customer: str | None, email: str | None) -> Obj:
    """The card the payer used, as a PaymentMethod (retrievable, expandable)."""
    pm = shapes.new(
        "payment_method",
        id=ids.new_id("pm", 24),
        created=sb.now(),
        customer=customer,
        billing_details=billing_details(email),
        card=_pm_card(card),
    )
    return sb.store.add(pm)


def _pm_card(card: Card) -> dict[str, Any]:
    """`payment_method.card`: every field stripe-python 16 knows, null where Stripe gives
    null for a plain test card (no wallet, not generated from a card-present payment)."""
    details = _card_details(card)["card"]
    keep = ("brand", "checks", "country", "exp_month", "exp_year", "fingerprint", "funding")
    return {k: details[k] for k in keep} | {
        "description": None,
        "display_brand": card.brand,
        "generated_from": None,
        "iin": None,
        "issuer": None,
        "last4": card.last4,
        "networks": {"available": [card.brand], "preferred": None},
        "regulated_status": "unregulated",
        "three_d_secure_usage": {"supported": True},
        "wallet": None,
    }


def _card_details(card: Card) -> dict[str, Any]:
    return {
        "type": "card",
        "card": {
            "amount_authorized": None,
            "authorization_code": None,
            "brand": card.brand,
            "checks": {
                "address_line1_check": None,
                "address_postal_code_check": None,
                "cvc_check": "pass",
            },
            "country": card.country,
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": card.number[-8:] + "SbxFp0",
            "funding": card.funding,
            "installments": None,
            "last4": card.last4,
            "mandate": None,
            "network": card.brand,
            "network_token": {"used": False},
            "three_d_secure": None,
            "wallet": None,
        },
    }


def _succeeded(sb: Sandbox, pi: Obj, ch: Obj, call: Call | None) -> None:
    manual = pi["capture_method"] == "manual"
    pi["status"] = "requires_capture" if manual else "succeeded"
    pi["amount_capturable"] = pi["amount"] if manual else 0
    pi["amount_received"] = 0 if manual else pi["amount"]
    pi["last_payment_error"] = None
    sb.emit("charge.succeeded", ch, call)
    kind = "amount_capturable_updated" if manual else "succeeded"
    sb.emit(f"payment_intent.{kind}", pi, call)


def _declined(
    sb: Sandbox, pi: Obj, ch: Obj, card: Card, call: Call | None, prev: dict[str, Any]
) -> None:
    code, decline_code, message = card.decline  # type: ignore[misc]
    pm = shapes.snapshot(sb.store.objects[pi["payment_method"]])
    error = {
        "type": "card_error",
        "code": code,
        "decline_code": decline_code,
        "message": message,
        "charge": ch["id"],
        "doc_url": DOC_BASE + code.replace("_", "-"),
        "param": None,
        "payment_method": pm,  # Stripe gives the whole PaymentMethod here
    }
    pi["status"] = "requires_payment_method"
    pi["last_payment_error"] = error
    pi["payment_method"] = None
    sb.emit("charge.failed", ch, call)
    sb.emit("payment_intent.payment_failed", pi, call)
    extra = {"charge": ch["id"], "payment_intent": pi, "payment_method": pm}
    raise card_error(message, code, decline_code, extra)


def capture(sb: Sandbox, pi: Obj, amount: int | None, call: Call) -> Obj:
    if pi["status"] != "requires_capture":
        raise StripeError(
            "This PaymentIntent could not be captured because it has a status of "
            f"{pi['status']}. Only a PaymentIntent with one of the following statuses may be "
            "captured: requires_capture.",
            code="payment_intent_unexpected_state",
        )
    amount = pi["amount"] if amount is None else amount
    if amount > pi["amount_capturable"]:
        raise StripeError(
            "The amount to capture is greater than the amount capturable.",
            param="amount_to_capture",
            code="amount_too_large",
        )
    ch = sb.store.objects[pi["latest_charge"]]
    ch.update(captured=True, amount_captured=amount)
    ch["balance_transaction"] = balance.for_charge(sb, ch)
    pi.update(status="succeeded", amount_received=amount, amount_capturable=0)
    sb.emit("charge.captured", ch, call)
    sb.emit("payment_intent.succeeded", pi, call)
    return pi
