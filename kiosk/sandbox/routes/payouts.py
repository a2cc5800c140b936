"""Balance transactions and payouts: list and retrieve as on Stripe, plus sandbox-only helpers.

- GET  /v1/balance_transactions            payout=, type=, source=, currency=, created=
- GET  /v1/balance_transactions/{id}
- GET  /v1/payouts                         status=, arrival_date=, created=
- GET  /v1/payouts/{id}
- POST /v1/test_helpers/payouts/run_now    currency= (default inr): pays out what is available
- POST /v1/test_helpers/payouts/{id}/fail  failure_code= (default account_closed)
"""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import balance, expand, params, payouts_logic
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.routes.common import LIST_SPEC, in_range, list_page, retrieve
from kiosk.sandbox.store import Obj

TXN_LIST: params.Spec = {
    **LIST_SPEC,
    "payout": params.string(),
    "type": params.string(),
    "source": params.string(),
    "currency": params.string(3),
}
PAYOUT_LIST: params.Spec = {
    **LIST_SPEC,
    "status": params.enum("pending", "paid", "failed", "canceled", "in_transit"),
    "arrival_date": params.range_filter,
    "destination": params.string(),
}
RUN_NOW: params.Spec = {"currency": params.string(3), "expand": params.expand_list}
FAIL: params.Spec = {"failure_code": params.string(), "expand": params.expand_list}


def list_transactions(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(TXN_LIST, call.params)
    within = balance.swept_ids(sb, v["payout"]) if v.get("payout") else None
    wanted = {k: v[k] for k in ("type", "source", "currency") if v.get(k)}

    def keep(txn: Obj) -> bool:
        balance.refresh_status(sb, txn)
        return all(txn[k] == x for k, x in wanted.items())

    url = "/v1/balance_transactions"
    return list_page(sb, call, "balance_transaction", url, v, keep, within)


def retrieve_transaction(sb: Sandbox, call: Call) -> dict[str, Any]:
    txn = sb.store.require("balance_transaction", call.args["id"])
    balance.refresh_status(sb, txn)
    return retrieve(sb, call, "balance_transaction")


def list_payouts(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(PAYOUT_LIST, call.params)
    status, arrival = v.get("status"), v.get("arrival_date")

    def keep(po: Obj) -> bool:
        if status and po["status"] != status:
            return False
        return not arrival or in_range(po["arrival_date"], arrival)

    return list_page(sb, call, "payout", "/v1/payouts", v, keep)


def run_now(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(RUN_NOW, call.params)
    currency = (v.get("currency") or "inr").lower()
    payout = payouts_logic.run_now(sb, currency, call)
    return expand.render(sb, payout, v.get("expand"))


def fail(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(FAIL, call.params)
    payout = sb.store.require("payout", call.args["id"])
    payouts_logic.fail(sb, payout, v.get("failure_code") or "account_closed", call)
    return expand.render(sb, payout, v.get("expand"))


ROUTES = [
    ("GET", "/v1/balance_transactions", list_transactions),
    ("GET", "/v1/balance_transactions/{id}", retrieve_transaction),
    ("GET", "/v1/payouts", list_payouts),
    ("GET", "/v1/payouts/{id}", lambda sb, call: retrieve(sb, call, "payout")),
    ("POST", "/v1/test_helpers/payouts/run_now", run_now),
    ("POST", "/v1/test_helpers/payouts/{id}/fail", fail),
]
