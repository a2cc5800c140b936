"""Customers: create, retrieve, update, delete, list (email filter is case-sensitive)."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import expand, ids, params, shapes
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.routes.common import LIST_SPEC, given, list_page, retrieve, update

ADDRESS = params.obj(
    {k: params.string() for k in ("city", "country", "line1", "line2", "postal_code", "state")}
)
FIELDS: params.Spec = {
    "email": params.string(512),
    "name": params.string(256),
    "phone": params.string(20),
    "description": params.string(),
    "metadata": params.metadata,
    "address": ADDRESS,
    "preferred_locales": params.list_of(params.string()),
    "expand": params.expand_list,
}
LIST = {**LIST_SPEC, "email": params.string(512)}


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


ROUTES = [
    ("POST", "/v1/customers", create),
    ("GET", "/v1/customers", listing),
    ("GET", "/v1/customers/{id}", get),
    ("POST", "/v1/customers/{id}", modify),
    ("DELETE", "/v1/customers/{id}", delete),
]
