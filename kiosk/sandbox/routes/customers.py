"""Customers: create, retrieve, update, delete, list (email filter is case-sensitive)."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import expand, ids, params, search_query, shapes
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import invalid
from kiosk.sandbox.routes.common import EXPAND_SPEC, LIST_SPEC, given, list_page, retrieve, update
from kiosk.sandbox.store import check_limit

ADDRESS = params.obj(
    {k: params.string() for k in ("city", "country", "line1", "line2", "postal_code", "state")}
)
FIELDS: params.Spec = {
    "email": params.email(512),
    "name": params.string(256),
    "phone": params.string(20),
    "description": params.string(),
    "metadata": params.metadata,
    "address": ADDRESS,
    "preferred_locales": params.list_of(params.string()),
    "expand": params.expand_list,
}
LIST = {**LIST_SPEC, "email": params.string(512)}
SEARCH: params.Spec = {
    "query": params.string(1000),
    "limit": params.integer(),
    "page": params.string(100),
    "expand": params.expand_list,
}
SEARCHABLE = frozenset({"email", "name", "phone", "description"})


def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(FIELDS, call.params)
    cus = shapes.new(
        "customer",
        id=ids.new_id("cus", 14),
        created=sb.now(),
        email=v.get("email"),
        name=v.get("name"),
        phone=v.get("phone"),
        description=v.get("description"),
        address=v.get("address"),
        preferred_locales=v.get("preferred_locales") or [],
        metadata=params.fresh_metadata(v.get("metadata")),
        invoice_prefix=ids.token(8).upper(),
    )
    sb.store.add(cus)
    sb.emit("customer.created", cus, call)
    return expand.render(sb, cus, v.get("expand"))


def get(sb: Sandbox, call: Call) -> dict[str, Any]:
    """A deleted customer still retrieves, as `{id, object, deleted: true}` (like Stripe)."""
    cus_id = call.args["id"]
    if sb.store.extra.get(cus_id, {}).get("deleted") == "customer":
        params.validate(EXPAND_SPEC, call.params)
        return {"id": cus_id, "object": "customer", "deleted": True}
    return retrieve(sb, call, "customer")


def modify(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(FIELDS, call.params)
    cus = sb.store.require("customer", call.args["id"])
    names = ("email", "name", "phone", "description", "metadata", "address", "preferred_locales")
    update(sb, call, cus, given(v, *names), "customer.updated")
    return expand.render(sb, cus, v.get("expand"))


def delete(sb: Sandbox, call: Call) -> dict[str, Any]:
    params.validate({}, call.params)
    cus = sb.store.require("customer", call.args["id"])
    sb.store.remove(cus["id"])
    sb.emit("customer.deleted", cus, call)
    return {"id": cus["id"], "object": "customer", "deleted": True}


def listing(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(LIST, call.params)
    email = v.get("email")
    keep = (lambda o: o["email"] == email) if email else (lambda o: True)
    return list_page(sb, call, "customer", "/v1/customers", v, keep)


def search(sb: Sandbox, call: Call) -> dict[str, Any]:
    """Customer search (read-after-write consistent here; eventually consistent on Stripe)."""
    v = params.validate(SEARCH, call.params, required=("query",))
    matches = search_query.compile_query(v["query"], SEARCHABLE)
    limit, start = check_limit(v.get("limit")), _page_start(v.get("page"))
    found = [o for o in _newest_first(sb, "customer") if matches(o)]
    data = found[start : start + limit]
    more = start + limit < len(found)
    result = {
        "object": "search_result",
        "data": data,
        "has_more": more,
        "next_page": str(start + limit) if more else None,
        "url": "/v1/customers/search",
    }
    return expand.render(sb, result, v.get("expand"))


def _page_start(page: str | None) -> int:
    if page is None:
        return 0
    if not (page.isascii() and page.isdigit()):
        raise invalid("Invalid page: use the next_page of the previous result.", "page")
    return int(page)


def _newest_first(sb: Sandbox, kind: str) -> list[dict[str, Any]]:
    ids = reversed(sb.store.order.get(kind, []))
    return [o for o in (sb.store.objects.get(i) for i in ids) if o is not None]


ROUTES = [
    ("GET", "/v1/customers/search", search),
    ("POST", "/v1/customers", create),
    ("GET", "/v1/customers", listing),
    ("GET", "/v1/customers/{id}", get),
    ("POST", "/v1/customers/{id}", modify),
    ("DELETE", "/v1/customers/{id}", delete),
]
