"""Refunds: create, retrieve, update, list, cancel."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import expand, params, refunds_logic
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import invalid
from kiosk.sandbox.routes.common import EXPAND_SPEC, LIST_SPEC, list_page, retrieve, update

CREATE: params.Spec = {
    "payment_intent": params.string(),
    "charge": params.string(),
    "amount": params.integer(1),
    "reason": params.enum("duplicate", "fraudulent", "requested_by_customer"),
    "metadata": params.metadata,
    "instructions_email": params.string(),
    "refund_application_fee": params.boolean,
    "reverse_transfer": params.boolean,
    "expand": params.expand_list,
}
UPDATE: params.Spec = {"metadata": params.metadata, "expand": params.expand_list}
LIST: params.Spec = {**LIST_SPEC, "charge": params.string(), "payment_intent": params.string()}


def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(CREATE, call.params)
    return expand.render(sb, refunds_logic.create(sb, v, call), v.get("expand"))


def modify(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(UPDATE, call.params)
    refund = sb.store.require("refund", call.args["id"])
    if "metadata" in v:
        update(sb, call, refund, {"metadata": v["metadata"]}, "refund.updated")
    return expand.render(sb, refund, v.get("expand"))


def cancel(sb: Sandbox, call: Call) -> dict[str, Any]:
    params.validate(EXPAND_SPEC, call.params)
    refund = sb.store.require("refund", call.args["id"])
    raise invalid(
        f"Refund {refund['id']} has a status of {refund['status']}. Only refunds with "
        "a status of requires_action can be canceled."
    )


def listing(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(LIST, call.params)
    wanted = {k: v[k] for k in ("charge", "payment_intent") if v.get(k)}
    return list_page(
        sb, call, "refund", "/v1/refunds", v, lambda o: all(o[k] == x for k, x in wanted.items())
    )


ROUTES = [
    ("POST", "/v1/refunds", create),
    ("GET", "/v1/refunds", listing),
    ("GET", "/v1/refunds/{id}", lambda sb, call: retrieve(sb, call, "refund")),
    ("POST", "/v1/refunds/{id}", modify),
    ("POST", "/v1/refunds/{id}/cancel", cancel),
]
