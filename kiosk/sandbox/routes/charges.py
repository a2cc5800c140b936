"""Charges (created by payments): retrieve, update, list; and the PaymentMethods they used."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import expand, params
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import no_such
from kiosk.sandbox.routes.common import EXPAND_SPEC, LIST_SPEC, given, list_page, retrieve, update

UPDATE: params.Spec = {
    "metadata": params.metadata,
    "description": params.string(),
    "expand": params.expand_list,
}
LIST: params.Spec = {**LIST_SPEC, "customer": params.string(), "payment_intent": params.string()}
REFUNDS: params.Spec = {
    k: LIST_SPEC[k] for k in ("limit", "starting_after", "ending_before", "expand")
}


def modify(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(UPDATE, call.params)
    ch = sb.store.require("charge", call.args["id"])
    update(sb, call, ch, given(v, "metadata", "description"), "charge.updated")
    return expand.render(sb, ch, v.get("expand"))


def refunds(sb: Sandbox, call: Call) -> dict[str, Any]:
    """GET /v1/charges/{id}/refunds: the charge's refunds, newest first, paginated."""
    v = params.validate(REFUNDS, call.params)
    ch = sb.store.require("charge", call.args["id"])
    url = f"/v1/charges/{ch['id']}/refunds"
    return list_page(sb, call, "refund", url, v, lambda r: r["charge"] == ch["id"])


def refund(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(EXPAND_SPEC, call.params)
    ch = sb.store.require("charge", call.args["id"])
    found = sb.store.get("refund", call.args["refund"])
    if found is None or found["charge"] != ch["id"]:
        raise no_such("refund", call.args["refund"])
    return expand.render(sb, found, v.get("expand"))


def listing(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(LIST, call.params)
    wanted = {k: v[k] for k in ("customer", "payment_intent") if v.get(k)}
    return list_page(
        sb, call, "charge", "/v1/charges", v, lambda o: all(o[k] == x for k, x in wanted.items())
    )


ROUTES = [
    ("GET", "/v1/payment_methods/{id}", lambda sb, call: retrieve(sb, call, "payment_method")),
    ("GET", "/v1/charges", listing),
    ("GET", "/v1/charges/{id}", lambda sb, call: retrieve(sb, call, "charge")),
    ("GET", "/v1/charges/{id}/refunds", refunds),
    ("GET", "/v1/charges/{id}/refunds/{refund}", refund),
    ("POST", "/v1/charges/{id}", modify),
]
