"""Products and Prices endpoints."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import catalog, expand, params
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.routes.common import LIST_SPEC, given, list_page, retrieve, update

PRODUCT_CREATE = {**catalog.PRODUCT_DATA, "expand": params.expand_list}
PRODUCT_UPDATE = {k: v for k, v in PRODUCT_CREATE.items() if k != "id"}
PRICE_UPDATE: params.Spec = {
    "active": params.boolean,
    "metadata": params.metadata,
    "nickname": params.string(),
    "lookup_key": params.string(200),
    "expand": params.expand_list,
}
PRICE_LIST = {
    **LIST_SPEC,
    "active": params.boolean,
    "product": params.string(),
    "currency": params.string(3),
}
PRODUCT_LIST = {**LIST_SPEC, "active": params.boolean}


def create_product(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(PRODUCT_CREATE, call.params, required=("name",))
    return expand.render(sb, catalog.new_product(sb, v, call), v.get("expand"))


def update_product(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(PRODUCT_UPDATE, call.params)
    product = sb.store.require("product", call.args["id"])
    names = ("name", "description", "images", "metadata", "active", "tax_code", "unit_label")
    update(sb, call, product, given(v, *names), "product.updated")
    return expand.render(sb, product, v.get("expand"))


def list_products(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(PRODUCT_LIST, call.params)
    active = v.get("active")
    keep = (lambda o: o["active"] == active) if active is not None else (lambda o: True)
    return list_page(sb, call, "product", "/v1/products", v, keep)


def create_price(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(catalog.PRICE_FIELDS, call.params)
    return expand.render(sb, catalog.new_price(sb, v, call), v.get("expand"))


def update_price(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(PRICE_UPDATE, call.params)
    price = sb.store.require("price", call.args["id"])
    update(
        sb, call, price, given(v, "active", "metadata", "nickname", "lookup_key"), "price.updated"
    )
    return expand.render(sb, price, v.get("expand"))


def list_prices(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(PRICE_LIST, call.params)
    wanted = {k: v[k] for k in ("active", "product", "currency") if v.get(k) is not None}
    return list_page(
        sb, call, "price", "/v1/prices", v, lambda o: all(o[k] == x for k, x in wanted.items())
    )


ROUTES = [
    ("POST", "/v1/products", create_product),
    ("GET", "/v1/products", list_products),
    ("GET", "/v1/products/{id}", lambda sb, call: retrieve(sb, call, "product")),
    ("POST", "/v1/products/{id}", update_product),
    ("POST", "/v1/prices", create_price),
    ("GET", "/v1/prices", list_prices),
    ("GET", "/v1/prices/{id}", lambda sb, call: retrieve(sb, call, "price")),
    ("POST", "/v1/prices/{id}", update_price),
]
