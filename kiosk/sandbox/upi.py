"""UPI in the sandbox: which methods a session offers, paying by VPA, approval, refunds.

Test VPAs are the ones Stripe's own mobile SDK tests use:

- `payment.success@stripeupi` succeeds at once;
- `payment.failure@stripeupi` fails (the session stays open and the payer may try again);
- `payment.pending@stripeupi` waits for the payer's approval, which the test helpers
  `approve_upi` / `fail_upi` give or refuse; if the session expires first, the
  PaymentIntent is canceled.

Sandbox-only conventions (not documented by Stripe): any other well-formed VPA succeeds;
a failed approval is a 402 `card_error` with code `payment_method_provider_decline`; a
refund of a UPI charge older than 60 days is a 400 with code `charge_not_refundable`.
"""

from __future__ import annotations

import re
from typing import Any

from kiosk.sandbox import balance, checkout_payment, ids, payments, shapes
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import StripeError, invalid, missing_param
from kiosk.sandbox.sessions_logic import refresh
from kiosk.sandbox.store import Obj

SUCCESS_VPA = "payment.success@stripeupi"
FAILURE_VPA = "payment.failure@stripeupi"
PENDING_VPA = "payment.pending@stripeupi"
VPA = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9.-]{1,63}")
REFUND_WINDOW_DAYS = 60
DECLINE_CODE = "payment_method_provider_decline"
DECLINE_MESSAGE = "The payer did not approve the UPI payment in their UPI app."


def check_vpa(vpa: str | None, param: str = "vpa") -> str:
    if not vpa:
        raise missing_param(param)
    vpa = vpa.strip()
    if not VPA.fullmatch(vpa):
        raise invalid(f"`{vpa}` is not a valid UPI ID (VPA); it looks like name@bank.", param)
    return vpa


def pending_intent(sb: Sandbox, session: Obj) -> Obj | None:
    """The PaymentIntent waiting for UPI approval on `session`, if any."""
    pi_id = sb.store.peek(session["id"]).get("upi_pending")
    return sb.store.objects.get(pi_id or "")


# paying -------------------------------------------------------------------------
def pay(sb: Sandbox, session: Obj, vpa: str | None, email: str | None, call: Call | None) -> Obj:
    """Pay `session` by UPI from `vpa`: succeed, fail (402) or wait for approval."""
    checkout_payment.check_payable(sb, refresh(sb, session))
    if "upi" not in session["payment_method_types"]:
        raise invalid("This Checkout Session does not accept UPI payments.", "payment_method_type")
    vpa = check_vpa(vpa)
    email = email or session["customer_email"] or checkout_payment.customer_email(sb, session)
    pi = checkout_payment.intent_for(sb, session, call)
    pm = _new_payment_method(sb, vpa, pi["customer"], email)
    pi.update(payment_method=pm["id"], last_payment_error=None)
    sb.store.side(pi["id"])["upi_email"] = email
    if vpa == PENDING_VPA:
        _await_approval(sb, session, pi, call)
        return session
    error = finish(sb, session, pi, vpa != FAILURE_VPA, call)
    if error is not None:
        raise error
    return session


def _await_approval(sb: Sandbox, session: Obj, pi: Obj, call: Call | None) -> None:
    previous = {"status": pi["status"], "next_action": pi["next_action"]}
    pi["status"] = "requires_action"
    pi["next_action"] = {
        "type": "upi_handle_redirect_or_display_qr_code",
        "upi_handle_redirect_or_display_qr_code": {
            "hosted_instructions_url": f"{sb.public_url}/checkout/{session['id']}",
            "qr_code": {
                "expires_at": session["expires_at"],
                "image_url_png": f"{sb.public_url}/checkout/{session['id']}/qr.png",
                "image_url_svg": f"{sb.public_url}/checkout/{session['id']}/qr.svg",
            },
        },
    }
    sb.store.side(session["id"])["upi_pending"] = pi["id"]
    session["payment_intent"] = pi["id"]  # confirmed, as Stripe shows it once submitted
    sb.store.dirty = True
    sb.emit("payment_intent.requires_action", pi, call, previous)


def decide(sb: Sandbox, session: Obj, approved: bool, call: Call | None) -> Obj:
    """The payer approves (or refuses) the pending UPI payment of `session`."""
    refresh(sb, session)
    pi = pending_intent(sb, session)
    if pi is None or session["status"] != "open":
        raise invalid(f"Checkout Session {session['id']} has no UPI payment waiting for approval.")
    finish(sb, session, pi, approved, call)
    return session


def finish(
    sb: Sandbox, session: Obj, pi: Obj, approved: bool, call: Call | None
) -> StripeError | None:
    """Charge the UPI PaymentMethod on `pi`; complete `session`, or return the decline."""
    sb.store.side(session["id"]).pop("upi_pending", None)
    email = sb.store.peek(pi["id"]).get("upi_email")
    ch = _new_charge(sb, pi, approved, email)
    if approved:
        ch["balance_transaction"] = balance.for_charge(sb, ch)
    sb.store.add(ch)
    pi.update(latest_charge=ch["id"], next_action=None)
    if not approved:
        return _declined(sb, pi, ch, call)
    pi.update(status="succeeded", amount_received=pi["amount"], amount_capturable=0)
    sb.emit("charge.succeeded", ch, call)
    sb.emit("payment_intent.succeeded", pi, call)
    checkout_payment.complete(sb, session, pi, email, call)
    return None


def _declined(sb: Sandbox, pi: Obj, ch: Obj, call: Call | None) -> StripeError:
    pm = sb.store.objects[pi["payment_method"]]
    error = {
        "type": "card_error",
        "code": DECLINE_CODE,
        "decline_code": None,
        "message": DECLINE_MESSAGE,
        "charge": ch["id"],
        "doc_url": None,
        "param": None,
        "payment_method": shapes.snapshot(pm),
    }
    pi.update(status="requires_payment_method", last_payment_error=error, payment_method=None)
    sb.emit("charge.failed", ch, call)
    sb.emit("payment_intent.payment_failed", pi, call)
    return StripeError(
        DECLINE_MESSAGE,
        status=402,
        type="card_error",
        code=DECLINE_CODE,
        extra={"charge": ch["id"], "payment_intent": shapes.snapshot(pi)},
    )


def on_session_expired(sb: Sandbox, session: Obj, call: Call | None) -> None:
    """A session that expires while UPI approval is pending cancels that PaymentIntent."""
    pi = pending_intent(sb, session)
    if pi is None:
        return
    sb.store.side(session["id"]).pop("upi_pending", None)
    pi.update(
        status="canceled",
        next_action=None,
        canceled_at=sb.now(),
        cancellation_reason="abandoned",
    )
    sb.emit("payment_intent.canceled", pi, call)


def _details(vpa: str) -> dict[str, Any]:
    return {"type": "upi", "upi": {"vpa": vpa}}


def _new_payment_method(sb: Sandbox, vpa: str, customer: str | None, email: str | None) -> Obj:
    billing = payments.billing_details(email)
    pm = shapes.new(
        "payment_method",
        id=ids.new_id("pm", 24),
        created=sb.now(),
        customer=customer,
        billing_details=billing,
        type="upi",
        card=None,
        upi={"vpa": vpa},
    )
    return sb.store.add(pm)


def _new_charge(sb: Sandbox, pi: Obj, ok: bool, email: str | None) -> Obj:
    ch_id = ids.new_id("ch", 24)
    billing = payments.billing_details(email)
    vpa = sb.store.objects[pi["payment_method"]]["upi"]["vpa"]
    return shapes.new(
        "charge",
        id=ch_id,
        created=sb.now(),
        amount=pi["amount"],
        currency=pi["currency"],
        customer=pi["customer"],
        description=pi["description"],
        payment_intent=pi["id"],
        payment_method=pi["payment_method"],
        metadata=dict(pi["metadata"]),
        receipt_email=pi["receipt_email"],
        status="succeeded" if ok else "failed",
        paid=ok,
        captured=ok,
        amount_captured=pi["amount"] if ok else 0,
        balance_transaction=None,
        billing_details=billing,
        calculated_statement_descriptor="FEE KIOSK SANDBOX",
        failure_code=None if ok else DECLINE_CODE,
        failure_message=None if ok else DECLINE_MESSAGE,
        outcome=_outcome(ok),
        payment_method_details=_details(vpa),
        receipt_url=f"{sb.public_url}/receipts/{ch_id}" if ok else None,
        refunds=shapes.list_object(f"/v1/charges/{ch_id}/refunds", [], False),
    )


def _outcome(ok: bool) -> dict[str, Any]:
    return {
        "advice_code": None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "approved_by_network" if ok else "declined_by_network",
        "reason": None,
        "risk_level": "normal",
        "risk_score": 20,
        "seller_message": "Payment complete." if ok else "The payer did not approve.",
        "type": "authorized" if ok else "issuer_declined",
    }


# refunds ------------------------------------------------------------------------
def is_upi(ch: Obj) -> bool:
    return (ch.get("payment_method_details") or {}).get("type") == "upi"


def check_refundable(sb: Sandbox, ch: Obj) -> None:
    """UPI payments can be refunded for 60 days after the payment."""
    if is_upi(ch) and sb.now() - ch["created"] > REFUND_WINDOW_DAYS * balance.DAY:
        raise StripeError(
            f"Charge {ch['id']} was paid by UPI more than {REFUND_WINDOW_DAYS} days ago; "
            f"UPI payments can be refunded only within {REFUND_WINDOW_DAYS} days.",
            param="charge",
            code="charge_not_refundable",
        )


def refund_destination(ch: Obj) -> dict[str, Any] | None:
    """Refund.destination_details for a UPI charge (None: not UPI). The installed stripe
    package's Refund.DestinationDetails has no `upi` member (the Stripe contract test
    checks it), so only the type is given."""
    if not is_upi(ch):
        return None
    return {"type": "upi"}


def backdate(sb: Sandbox, ch: Obj, days: int) -> Obj:
    """Sandbox-only test helper: make `ch` look `days` days older (refund windows)."""
    ch["created"] -= days * balance.DAY
    sb.store.dirty = True
    return ch
