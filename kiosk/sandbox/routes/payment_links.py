"""Payment Links: create, retrieve, update (active=false deactivates), list, line items."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import expand, links_logic, params, sessions_logic
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.routes.checkout import ADJUSTABLE, LINE_ITEMS_LIST, PAYMENT_INTENT_DATA
from kiosk.sandbox.routes.common import LIST_SPEC, list_page, retrieve, update

LINE_ITEM: params.Spec = {
    "price": params.string(),
    "quantity": params.integer(1, 999999),
    "adjustable_quantity": params.obj(ADJUSTABLE),
}
AFTER_COMPLETION = params.obj(
    {
        "type": params.enum("hosted_confirmation", "redirect"),
        "redirect": params.obj({"url": params.string(2048)}),
        "hosted_confirmation": params.obj({"custom_message": params.string(500)}),
    }
)
RESTRICTIONS = params.obj({"completed_sessions": params.obj({"limit": params.integer(1)})})
CREATE: params.Spec = {
    "line_items": params.list_of(params.obj(LINE_ITEM), max_items=20),
    "metadata": params.metadata,
    "restrictions": RESTRICTIONS,
    "after_completion": AFTER_COMPLETION,
    "payment_intent_data": params.obj(
        {k: f for k, f in PAYMENT_INTENT_DATA.items() if k != "receipt_email"}
    ),
    "inactive_message": params.string(500),
    "currency": params.string(3),
    "customer_creation": params.enum("always", "if_required"),
    "submit_type": params.enum("auto", "book", "donate", "pay", "subscribe"),
    "payment_method_types": params.list_of(params.string(40), max_items=30),
    "allow_promotion_codes": params.boolean,
    "billing_address_collection": params.enum("auto", "required"),
    "expand": params.expand_list,
}
UPDATE: params.Spec = {
    **{
        k: CREATE[k]
        for k in (
            "metadata",
            "restrictions",
            "after_completion",
            "payment_intent_data",
            "inactive_message",
            "customer_creation",
            "allow_promotion_codes",
            "billing_address_collection",
            "expand",
        )
    },
    "active": params.boolean,
}
LIST: params.Spec = {
    **{k: LIST_SPEC[k] for k in ("limit", "starting_after", "ending_before", "expand")},
    "active": params.boolean,
}


def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(CREATE, call.params)
    return expand.render(sb, links_logic.build(sb, v, call), v.get("expand"))


def modify(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(UPDATE, call.params)
    link = sb.store.require("payment_link", call.args["id"])
    update(sb, call, link, _changes(link, v), "payment_link.updated")
    return expand.render(sb, link, v.get("expand"))


def _changes(link: dict[str, Any], v: dict[str, Any]) -> dict[str, Any]:
    changes = {
        k: v[k]
        for k in ("metadata", "inactive_message", "customer_creation", "billing_address_collection")
        if k in v
    }
    if v.get("active") is not None:
        changes["active"] = v["active"]
    if v.get("allow_promotion_codes") is not None:
        changes["allow_promotion_codes"] = v["allow_promotion_codes"]
    if "after_completion" in v:
        changes["after_completion"] = links_logic.after_completion(v["after_completion"])
    if "restrictions" in v:
        changes["restrictions"] = links_logic.restrictions(v["restrictions"], link["restrictions"])
    if "payment_intent_data" in v:
        changes["payment_intent_data"] = links_logic.pi_data(v["payment_intent_data"])
    return changes


def listing(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(LIST, call.params)
    active = v.get("active")
    keep = (lambda o: o["active"] == active) if active is not None else (lambda o: True)
    return list_page(sb, call, "payment_link", "/v1/payment_links", v, keep)


def line_items(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(LINE_ITEMS_LIST, call.params)
    link = sb.store.require("payment_link", call.args["id"])
    items = [
        sessions_logic.line_item(sb, sb.store.objects[i["price"]], i["quantity"], None, "")
        for i in sb.store.peek(link["id"])["line_items"]
    ]
    for n, item in enumerate(items):
        item["id"] = f"li_{link['id'][6:]}{n}"
    url = f"/v1/payment_links/{link['id']}/line_items"
    data = items[: v.get("limit") or 10]
    return expand.render(
        sb,
        {"object": "list", "data": data, "has_more": len(items) > len(data), "url": url},
        v.get("expand"),
    )


ROUTES = [
    ("POST", "/v1/payment_links", create),
    ("GET", "/v1/payment_links", listing),
    ("GET", "/v1/payment_links/{id}", lambda sb, call: retrieve(sb, call, "payment_link")),
    ("POST", "/v1/payment_links/{id}", modify),
    ("GET", "/v1/payment_links/{id}/line_items", line_items),
]
