"""Refunds: create against a charge or PaymentIntent, keep the Charge in step, and fail
asynchronously for test card 4000 0000 0000 5126 (or on the `fail` test helper)."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import balance, currencies, ids, params, shapes, upi
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import StripeError, invalid
from kiosk.sandbox.store import Obj


def create(sb: Sandbox, v: dict[str, Any], call: Call) -> Obj:
    name = params.one_of_required(v, "charge", "payment_intent")
    ch = _charge_for(sb, v[name], name)
    upi.check_refundable(sb, ch)
    remaining = ch["amount_captured"] - ch["amount_refunded"]
    amount = _amount(ch, v.get("amount"), remaining)
    refund = shapes.new(
        "refund",
        id=ids.new_id("re", 24),
        created=sb.now(),
        amount=amount,
        charge=ch["id"],
        currency=ch["currency"],
        customer=ch["customer"],
        payment_intent=ch["payment_intent"],
        reason=v.get("reason"),
        metadata=params.fresh_metadata(v.get("metadata")),
        status="succeeded",
        balance_transaction=None,
        destination_details=upi.refund_destination(ch) or _card_destination(),
    )
    refund["balance_transaction"] = balance.for_refund(sb, refund)
    sb.store.add(refund)
    sb.emit("refund.created", refund, call)
    _apply_to_charge(sb, ch, refund, +1, call, "charge.refunded")
    if sb.store.peek(ch["id"]).get("card") == "4000000000005126":
        _schedule_failure(sb, refund["id"])
    return refund


def _card_destination() -> dict[str, Any]:
    return {
        "card": {
            "reference": ids.token(12),
            "reference_status": "available",
            "reference_type": "acquirer_reference_number",
            "type": "refund",
        },
        "type": "card",
    }


def _charge_for(sb: Sandbox, obj_id: str, name: str) -> Obj:
    if name == "payment_intent":
        pi = sb.store.require("payment_intent", obj_id, "payment_intent")
        ch = sb.store.objects.get(pi["latest_charge"] or "")
        if pi["status"] != "succeeded" or ch is None:
            raise invalid(
                f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                "payment_intent",
            )
        return ch
    ch = sb.store.require("charge", obj_id, "charge")
    if ch["status"] != "succeeded" or not ch["captured"]:
        raise invalid(
            f"Charge {ch['id']} has not been captured or did not succeed, so it "
            "cannot be refunded.",
            "charge",
        )
    return ch


def _amount(ch: Obj, amount: int | None, remaining: int) -> int:
    """Over-refund errors: codes `charge_already_refunded` (API-NOTES §3.3) and
    `amount_too_large` (what integrations test for, e.g.
    https://github.com/HealthByRo/aa-stripe/pull/77)."""
    if remaining <= 0:
        raise StripeError(
            f"Charge {ch['id']} has already been refunded.", code="charge_already_refunded"
        )
    if amount is None:
        return remaining
    if amount > remaining:
        cur = ch["currency"]
        raise StripeError(
            f"Refund amount ({currencies.display(amount, cur)}) is greater than unrefunded "
            f"amount on charge ({currencies.display(remaining, cur)})",
            param="amount",
            code="amount_too_large",
        )
    return amount


def _apply_to_charge(
    sb: Sandbox, ch: Obj, refund: Obj, sign: int, call: Call | None, event: str
) -> None:
    previous = {"amount_refunded": ch["amount_refunded"], "refunded": ch["refunded"]}
    ch["amount_refunded"] += sign * refund["amount"]
    ch["refunded"] = ch["amount_refunded"] >= ch["amount_captured"]
    sb.store.dirty = True
    sb.emit(event, ch, call, previous)


def _schedule_failure(sb: Sandbox, refund_id: str) -> None:
    sb.store.side(refund_id)["fails_later"] = True
    schedule_failure(sb, refund_id, sb.settings.refund_failure_delay)


def schedule_failure(sb: Sandbox, refund_id: str, delay: float) -> None:
    """Fail the refund after `delay` seconds unless it already failed (also after a restart)."""

    def run() -> None:
        with sb.lock:
            refund = sb.store.objects.get(refund_id)
            if refund is not None and refund["status"] in ("pending", "succeeded"):
                fail(sb, refund, "expired_or_canceled_card", None)

    sb.scheduler.call_later(delay, run)


def fail(sb: Sandbox, refund: Obj, reason: str, call: Call | None) -> Obj:
    """The refund fails after all: status failed, the Charge gets the money back."""
    if refund["status"] not in ("pending", "succeeded", "requires_action"):
        raise invalid(f"Refund {refund['id']} has a status of {refund['status']} and cannot fail.")
    previous = {"status": refund["status"], "failure_reason": None}
    sb.store.side(refund["id"]).pop("fails_later", None)
    refund.update(
        status="failed",
        failure_reason=reason,
        failure_balance_transaction=balance.for_refund_failure(sb, refund),
    )
    sb.emit("refund.failed", refund, call)
    sb.emit("refund.updated", refund, call, previous)
    sb.emit("charge.refund.updated", refund, call, previous)
    ch = sb.store.objects[refund["charge"]]
    _apply_to_charge(sb, ch, refund, -1, call, "charge.updated")
    return refund
