"""Products and Prices: building them from params (also used inline by `price_data`)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from kiosk.sandbox import currencies, ids, params, shapes
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import invalid, missing_param, only_one_of
from kiosk.sandbox.store import Obj

_DECIMAL = re.compile(r"[0-9]{1,12}(\.[0-9]{1,12})?")
PRODUCT_DATA: params.Spec = {
    "name": params.string(250),
    "description": params.string(),
    "images": params.list_of(params.string(2048), max_items=8),
    "metadata": params.metadata,
    "tax_code": params.string(),
    "unit_label": params.string(12),
    "statement_descriptor": params.string(22),
    "active": params.boolean,
    "id": params.string(),
}
CUSTOM_UNIT_AMOUNT: params.Spec = {
    "enabled": params.boolean,
    "minimum": params.integer(0),
    "maximum": params.integer(0),
    "preset": params.integer(0),
}
PRICE_FIELDS: params.Spec = {
    "currency": params.string(3),
    "unit_amount": params.integer(0),
    "unit_amount_decimal": params.string(30),
    "custom_unit_amount": params.obj(CUSTOM_UNIT_AMOUNT),
    "product": params.string(),
    "product_data": params.obj(PRODUCT_DATA, required=("name",)),
    "nickname": params.string(),
    "lookup_key": params.string(200),
    "metadata": params.metadata,
    "active": params.boolean,
    "tax_behavior": params.enum("exclusive", "inclusive", "unspecified"),
    "expand": params.expand_list,
}
INLINE_PRICE: params.Spec = {
    "currency": params.string(3),
    "unit_amount": params.integer(0),
    "unit_amount_decimal": params.string(30),
    "product": params.string(),
    "product_data": params.obj(PRODUCT_DATA, required=("name",)),
    "tax_behavior": params.enum("exclusive", "inclusive", "unspecified"),
}


def new_product(
    sb: Sandbox, data: dict[str, Any], call: Call | None, pending: list[Obj] | None = None
) -> Obj:
    now = sb.now()
    product = shapes.new(
        "product",
        id=data.get("id") or ids.new_id("prod", 14),
        created=now,
        updated=now,
        name=data["name"],
        description=data.get("description"),
        images=data.get("images") or [],
        metadata=params.fresh_metadata(data.get("metadata")),
        tax_code=data.get("tax_code"),
        unit_label=data.get("unit_label"),
        statement_descriptor=data.get("statement_descriptor"),
        active=data.get("active") if data.get("active") is not None else True,
    )
    if sb.store.objects.get(product["id"]) is not None:
        raise invalid("Product already exists.", param="id", code="resource_already_exists")
    _keep(sb, product, call, pending)
    return product


def new_price(
    sb: Sandbox,
    v: dict[str, Any],
    call: Call | None,
    prefix: str = "",
    pending: list[Obj] | None = None,
) -> Obj:
    """A Price from create params or from a line item's `price_data` (prefix names params).

    With `pending` (inline `price_data`) the new objects are appended to it instead of being
    stored, so that the caller stores them only once the whole request is valid; such
    ad-hoc prices are inactive and make no events.
    """
    currency = _currency(v, prefix)
    amount, decimal, custom = _amounts(v, currency, prefix)
    product_id = _product(sb, v, call, prefix, pending)
    price = shapes.new(
        "price",
        id=ids.new_id("price", 24),
        created=sb.now(),
        currency=currency,
        unit_amount=amount,
        unit_amount_decimal=decimal,
        custom_unit_amount=custom,
        product=product_id,
        nickname=v.get("nickname"),
        lookup_key=v.get("lookup_key"),
        metadata=params.fresh_metadata(v.get("metadata")),
        tax_behavior=v.get("tax_behavior") or "unspecified",
        active=pending is None if v.get("active") is None else v["active"],
    )
    return _keep(sb, price, call, pending)


def _keep(sb: Sandbox, obj: Obj, call: Call | None, pending: list[Obj] | None) -> Obj:
    if pending is not None:
        pending.append(obj)
        return obj
    sb.store.add(obj)
    sb.emit(f"{obj['object']}.created", obj, call)
    return obj


def _name(prefix: str, name: str) -> str:
    return f"{prefix}[{name}]" if prefix else name


def _currency(v: dict[str, Any], prefix: str) -> str:
    if not v.get("currency"):
        raise missing_param(_name(prefix, "currency"))
    return currencies.check_currency(v["currency"], _name(prefix, "currency"))


def _amounts(v: dict[str, Any], currency: str, prefix: str) -> tuple[int | None, str | None, Any]:
    given = [
        k
        for k in ("unit_amount", "unit_amount_decimal", "custom_unit_amount")
        if v.get(k) is not None
    ]
    if len(given) > 1:
        raise only_one_of(*(_name(prefix, g) for g in given))
    if not given:
        raise missing_param(_name(prefix, "unit_amount"))
    if given[0] == "custom_unit_amount":
        return None, None, _custom(v["custom_unit_amount"], currency, prefix)
    amount = v.get("unit_amount")
    if amount is None:
        amount = _decimal_amount(v["unit_amount_decimal"], _name(prefix, "unit_amount_decimal"))
    currencies.check_max(amount, currency, _name(prefix, "unit_amount"))
    return amount, str(amount), None


def _decimal_amount(text: str, param: str) -> int:
    if not _DECIMAL.fullmatch(text):
        raise invalid(f"Invalid decimal: {text[:60]}", param)
    value = Decimal(text)
    if value != value.to_integral_value():
        raise invalid(f"Invalid {param}: the sandbox only supports whole minor units", param)
    return int(value)


def _custom(c: dict[str, Any], currency: str, prefix: str) -> dict[str, Any]:
    param = _name(prefix, "custom_unit_amount")
    if not c.get("enabled"):
        raise invalid(f"Invalid {param}[enabled]: must be true", f"{param}[enabled]")
    minimum = c.get("minimum")
    if minimum is not None and minimum < currencies.minimum(currency):
        currencies.check_charge_amount(minimum, currency, f"{param}[minimum]")
    maximum = c.get("maximum")
    if minimum is not None and maximum is not None and maximum < minimum:
        raise invalid(
            f"Invalid {param}[maximum]: must be at least the minimum", f"{param}[maximum]"
        )
    return {"maximum": maximum, "minimum": minimum, "preset": c.get("preset")}


def _product(
    sb: Sandbox, v: dict[str, Any], call: Call | None, prefix: str, pending: list[Obj] | None
) -> str:
    if v.get("product") and v.get("product_data"):
        raise only_one_of(_name(prefix, "product"), _name(prefix, "product_data"))
    if v.get("product"):
        return str(sb.store.require("product", v["product"], _name(prefix, "product"))["id"])
    if not v.get("product_data"):
        raise missing_param(_name(prefix, "product"))
    return str(new_product(sb, v["product_data"], call, pending)["id"])
