"""Checkout Sessions: create, retrieve, update, list, line items, expire."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import catalog, expand, params, sessions_logic
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.routes.common import EXPAND_SPEC, LIST_SPEC, list_page, update
from kiosk.sandbox.store import check_limit

LOCALES = [
    "auto",
    "bg",
    "cs",
    "da",
    "de",
    "el",
    "en",
    "en-GB",
    "es",
    "es-419",
    "et",
    "fi",
    "fil",
    "fr",
    "fr-CA",
    "hi-IN",
    "hr",
    "hu",
    "id",
    "it",
    "ja",
    "ko",
    "lt",
    "lv",
    "ms",
    "mt",
    "nb",
    "nl",
    "pl",
    "pt",
    "pt-BR",
    "ro",
    "ru",
    "sk",
    "sl",
    "sv",
    "th",
    "tr",
    "vi",
    "zh",
    "zh-HK",
    "zh-TW",
]
ADJUSTABLE: params.Spec = {
    "enabled": params.boolean,
    "minimum": params.integer(0),
    "maximum": params.integer(0, 999999),
}
LINE_ITEM: params.Spec = {
    "price": params.string(),
    "price_data": params.obj(catalog.INLINE_PRICE),
    "quantity": params.integer(1, 999999),
    "adjustable_quantity": params.obj(ADJUSTABLE),
    "tax_rates": params.list_of(params.string()),
    "dynamic_tax_rates": params.list_of(params.string()),
}
PAYMENT_INTENT_DATA: params.Spec = {
    "metadata": params.metadata,
    "description": params.string(1000),
    "receipt_email": params.string(800),
    "capture_method": params.enum("automatic", "automatic_async", "manual"),
    "setup_future_usage": params.enum("off_session", "on_session"),
    "statement_descriptor": params.string(22),
    "statement_descriptor_suffix": params.string(22),
    "transfer_group": params.string(),
}
CREATE: params.Spec = {
    "mode": params.enum("payment", "setup", "subscription"),
    "line_items": params.list_of(params.obj(LINE_ITEM), max_items=100),
    "customer": params.string(),
    "customer_email": params.email(800),
    "customer_creation": params.enum("always", "if_required"),
    "client_reference_id": params.string(200),
    "metadata": params.metadata,
    "payment_intent_data": params.obj(PAYMENT_INTENT_DATA),
    "expires_at": params.integer(0),
    "success_url": params.string(),
    "cancel_url": params.string(),
    "return_url": params.string(),
    "currency": params.string(3),
    "locale": params.enum(*LOCALES),
    "submit_type": params.enum("auto", "book", "donate", "pay", "subscribe"),
    "ui_mode": params.enum("hosted_page", "embedded_page", "elements", "form"),
    "payment_method_types": params.list_of(params.string(40), max_items=30),
    "billing_address_collection": params.enum("auto", "required"),
    "phone_number_collection": params.obj({"enabled": params.boolean}),
    "allow_promotion_codes": params.boolean,
    "expand": params.expand_list,
}
UPDATE: params.Spec = {"metadata": params.metadata, "expand": params.expand_list}
LIST: params.Spec = {
    **LIST_SPEC,
    "payment_intent": params.string(),
    "payment_link": params.string(),
    "status": params.enum("open", "complete", "expired"),
    "customer": params.string(),
    "customer_details": params.obj({"email": params.string()}),
    "subscription": params.string(),
}
LINE_ITEMS_LIST: params.Spec = {
    k: LIST_SPEC[k] for k in ("limit", "starting_after", "ending_before", "expand")
}


def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(CREATE, call.params)
    session = sessions_logic.build(sb, v, call)
    return expand.render(sb, session, v.get("expand"))


def retrieve(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(EXPAND_SPEC, call.params)
    session = sb.store.require("checkout.session", call.args["id"])
    return expand.render(sb, sessions_logic.refresh(sb, session), v.get("expand"))


def modify(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(UPDATE, call.params)
    session = sb.store.require("checkout.session", call.args["id"])
    if "metadata" in v:
        update(sb, call, session, {"metadata": v["metadata"]}, None)
    return expand.render(sb, session, v.get("expand"))


def listing(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(LIST, call.params)
    wanted = {
        k: v[k]
        for k in ("payment_intent", "payment_link", "status", "customer", "subscription")
        if v.get(k) is not None
    }
    email = (v.get("customer_details") or {}).get("email")

    def keep(o: dict[str, Any]) -> bool:
        if email and (o["customer_details"] or {}).get("email") != email:
            return False
        return all(o.get(k) == x for k, x in wanted.items())

    return list_page(sb, call, "checkout.session", "/v1/checkout/sessions", v, keep)


def line_items(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(LINE_ITEMS_LIST, call.params)
    session = sb.store.require("checkout.session", call.args["id"])
    items = sb.store.peek(session["id"]).get("line_items", [])
    page, more = _slice(items, v)
    url = f"/v1/checkout/sessions/{session['id']}/line_items"
    return expand.render(
        sb, {"object": "list", "data": page, "has_more": more, "url": url}, v.get("expand")
    )


def _slice(items: list[dict[str, Any]], v: dict[str, Any]) -> tuple[list[Any], bool]:
    limit = check_limit(v.get("limit"))
    ids = [i["id"] for i in items]
    start, end = 0, len(items)
    if v.get("starting_after") in ids:
        start = ids.index(v["starting_after"]) + 1
    if v.get("ending_before") in ids:
        end = ids.index(v["ending_before"])
        start = max(start, end - limit)
    chosen = items[start:end][:limit]
    return chosen, start + len(chosen) < end


def expire(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(EXPAND_SPEC, call.params)
    session = sessions_logic.refresh(sb, sb.store.require("checkout.session", call.args["id"]))
    return expand.render(sb, sessions_logic.expire(sb, session, call), v.get("expand"))


ROUTES = [
    ("POST", "/v1/checkout/sessions", create),
    ("GET", "/v1/checkout/sessions", listing),
    ("GET", "/v1/checkout/sessions/{id}", retrieve),
    ("POST", "/v1/checkout/sessions/{id}", modify),
    ("GET", "/v1/checkout/sessions/{id}/line_items", line_items),
    ("POST", "/v1/checkout/sessions/{id}/expire", expire),
]
