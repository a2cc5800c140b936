"""Payouts: the available balance paid to the bank, automatically or on the test helper.

A payout sweeps every available, unpaid balance transaction of its currency (charges less
fees, refunds, failed refunds, failed payouts), takes the net out with its own `payout`
transaction, and is `paid` at once (`arrival_date` is its creation day: the sandbox has no
banking days). `payout.created` then `payout.paid` are emitted; failing a payout (test
helper) emits `payout.failed`, and a `payout_failure` transaction returns its funds, to be
swept by the next payout, as Stripe does.

Automatic payouts run every `payout_interval` seconds of the sandbox's clock (daily by
default; 0 turns them off), for each currency with a positive available balance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.sandbox import balance, ids, shapes
from kiosk.sandbox.errors import invalid
from kiosk.sandbox.store import Obj

if TYPE_CHECKING:
    from kiosk.sandbox.engine import Call, Sandbox

FAILURES = {
    "account_closed": "The bank account has been closed.",
    "account_frozen": "The bank account has been frozen.",
    "could_not_process": "The bank could not process this payout.",
    "invalid_account_number": "The bank account details on file are probably incorrect.",
    "no_account": "The bank account details on file are probably incorrect.",
}


def run_now(sb: Sandbox, currency: str, call: Call | None) -> Obj:
    """Pay out everything available in `currency` now, as the automatic schedule would;
    400 when there is nothing to pay."""
    swept = balance.unpaid_available(sb, currency)
    amount = sum(t["net"] for t in swept)
    if amount <= 0:
        raise invalid(
            f"You have insufficient funds in your Stripe account for this payout: the "
            f"available {currency.upper()} balance is {amount}.",
            "amount",
            code="balance_insufficient",
        )
    payout = _new_payout(sb, amount, currency)
    own = balance.record(
        sb, "payout", payout["id"], -amount, currency, description="STRIPE PAYOUT", delay_days=0
    )
    payout["balance_transaction"] = own["id"]
    lines = [*swept, own]
    for txn in lines:
        sb.store.side(txn["id"])["payout"] = payout["id"]
    sb.store.add(payout, lines=[t["id"] for t in lines])
    sb.emit("payout.created", payout, call)
    _paid(sb, payout, call)
    return payout


def _new_payout(sb: Sandbox, amount: int, currency: str) -> Obj:
    now = sb.now()
    return shapes.new(
        "payout",
        id=ids.new_id("po", 24),
        amount=amount,
        arrival_date=now - now % balance.DAY,
        automatic=True,
        created=now,
        currency=currency,
        description="STRIPE PAYOUT",
        destination=None,
        method="standard",
        reconciliation_status="completed",
        source_type="card",
        statement_descriptor=None,
        status="pending",
        trace_id={"status": "pending", "value": None},
        type="bank_account",
    )


def _paid(sb: Sandbox, payout: Obj, call: Call | None) -> None:
    previous = {"status": payout["status"], "trace_id": dict(payout["trace_id"])}
    payout.update(status="paid", trace_id={"status": "supported", "value": ids.token(16)})
    sb.store.dirty = True
    sb.emit("payout.paid", payout, call)
    sb.emit("payout.updated", payout, call, previous)


def fail(sb: Sandbox, payout: Obj, code: str, call: Call | None) -> Obj:
    """The bank returned the payout: status failed, its funds back in the balance."""
    if payout["status"] == "failed":
        raise invalid(f"Payout {payout['id']} has already failed.")
    if code not in FAILURES:
        raise invalid(f"Invalid failure_code: must be one of {', '.join(FAILURES)}", "failure_code")
    previous = {"status": payout["status"], "failure_code": None, "failure_message": None}
    back = balance.record(
        sb,
        "payout_failure",
        payout["id"],
        payout["amount"],
        payout["currency"],
        description="PAYOUT FAILURE",
        delay_days=0,
    )
    payout.update(
        status="failed",
        failure_code=code,
        failure_message=FAILURES[code],
        failure_balance_transaction=back["id"],
    )
    sb.store.dirty = True
    sb.emit("payout.failed", payout, call)
    sb.emit("payout.updated", payout, call, previous)
    return payout


def run_automatic(sb: Sandbox) -> list[Obj]:
    """The scheduled run: a payout per currency with a positive available balance."""
    made = []
    with sb.lock:
        for currency in balance.currencies_with_funds(sb):
            if sum(t["net"] for t in balance.unpaid_available(sb, currency)) > 0:
                made.append(run_now(sb, currency, None))
    return made


def start_schedule(sb: Sandbox) -> None:
    interval: float = sb.settings.payout_interval
    if interval > 0:

        def tick() -> None:
            run_automatic(sb)

        sb.scheduler.every(interval, tick)
