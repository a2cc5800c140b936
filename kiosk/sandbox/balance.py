"""Balance transactions: every movement of the account's balance, as Stripe records it.

A successful charge adds its amount less fees (`type=charge`), a refund takes its amount
back (`type=refund`, no fee), a refund that fails returns it (`type=refund_failure`), a
payout takes the net out (`type=payout`) and a failed payout puts it back
(`type=payout_failure`). Funds become available `payout_delay_days` after the movement
(0 in the sandbox unless configured, so a payout run right after a payment includes it).

Which payout swept a transaction is side data (`payout`), the key of the `payout=` filter:
as on Stripe, a transaction stays with the payout that swept it even if that payout fails;
the failure's own transaction is swept by the next payout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.sandbox import fees, ids, shapes
from kiosk.sandbox.store import Obj

if TYPE_CHECKING:
    from kiosk.sandbox.engine import Sandbox

DAY = 86_400
CATEGORY = {
    "charge": "charge",
    "refund": "refund",
    "refund_failure": "refund_failure",
    "payout": "payout",
    "payout_failure": "payout_reversal",
}


def record(
    sb: Sandbox,
    type_: str,
    source: str,
    amount: int,
    currency: str,
    *,
    fee_details: list[dict[str, Any]] | None = None,
    description: str | None = None,
    delay_days: int | None = None,
) -> Obj:
    """Add a balance transaction; returns it."""
    details = fee_details or []
    fee = sum(d["amount"] for d in details)
    created = sb.now()
    days = sb.settings.payout_delay_days if delay_days is None else delay_days
    available_on = created + days * DAY
    txn = shapes.new(
        "balance_transaction",
        id=ids.new_id("txn", 24),
        amount=amount,
        available_on=available_on,
        balance_type="payments",
        created=created,
        currency=currency,
        description=description,
        exchange_rate=None,
        fee=fee,
        fee_details=details,
        net=amount - fee,
        reporting_category=CATEGORY[type_],
        source=source,
        status="available" if available_on <= created else "pending",
        type=type_,
    )
    sb.store.add(txn)
    return txn


def for_charge(sb: Sandbox, charge: Obj) -> str:
    """The charge's balance transaction (amount less Stripe's fee and its tax); its id."""
    schedule: fees.FeeSchedule = sb.settings.fee_schedule
    details = schedule.details(charge["amount"], charge["currency"], fees.method_of(charge))
    txn = record(
        sb,
        "charge",
        charge["id"],
        charge["amount"],
        charge["currency"],
        fee_details=details,
        description=charge.get("description"),
    )
    return str(txn["id"])


def for_refund(sb: Sandbox, refund: Obj) -> str:
    txn = record(sb, "refund", refund["id"], -refund["amount"], refund["currency"], delay_days=0)
    return str(txn["id"])


def for_refund_failure(sb: Sandbox, refund: Obj) -> str:
    """A refund that failed gives the money back to the balance."""
    txn = record(
        sb,
        "refund_failure",
        refund["id"],
        refund["amount"],
        refund["currency"],
        description="REFUND FOR FAILED REFUND",
        delay_days=0,
    )
    return str(txn["id"])


def refresh_status(sb: Sandbox, txn: Obj) -> Obj:
    """`pending` becomes `available` once `available_on` has passed."""
    if txn["status"] == "pending" and txn["available_on"] <= sb.now():
        txn["status"] = "available"
        sb.store.dirty = True
    return txn


def unpaid_available(sb: Sandbox, currency: str) -> list[Obj]:
    """Transactions in `currency` whose funds are available and not yet paid out."""
    found = []
    for txn_id in sb.store.order.get("balance_transaction", []):
        txn = sb.store.objects[txn_id]
        if txn["currency"] != currency or sb.store.peek(txn_id).get("payout"):
            continue
        if txn["type"] == "payout":
            continue
        if refresh_status(sb, txn)["status"] == "available":
            found.append(txn)
    return found


def currencies_with_funds(sb: Sandbox) -> list[str]:
    seen: dict[str, None] = {}
    for txn_id in sb.store.order.get("balance_transaction", []):
        seen.setdefault(sb.store.objects[txn_id]["currency"], None)
    return list(seen)


def swept_by(sb: Sandbox, payout_id: str) -> list[Obj]:
    """The transactions `payout_id` paid out, and its own, oldest first (`payout=` filter)."""
    return [sb.store.objects[t] for t in swept_ids(sb, payout_id)]


def swept_ids(sb: Sandbox, payout_id: str) -> list[str]:
    return list(sb.store.peek(payout_id).get("lines", []))
