"""Checkout Sessions: build from params, validate line items and totals, expire."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import catalog, currencies, ids, params, shapes
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import StripeError, invalid, missing_param, only_one_of
from kiosk.sandbox.methods import method_types
from kiosk.sandbox.store import Obj

MIN_EXPIRY, MAX_EXPIRY = 30 * 60, 24 * 3600
TEMPLATE = "{CHECKOUT_SESSION_ID}"


def build(sb: Sandbox, v: dict[str, Any], call: Call | None, link: Obj | None = None) -> Obj:
    """Validate create params `v` and store a new open session (no event, like Stripe)."""
    _check_mode(v)
    customer = _customer(sb, v)
    now = sb.now()
    checked: dict[str, Any] = {
        "expires_at": _expires_at(v.get("expires_at"), now),
        "success_url": _url(v, "success_url"),
        "cancel_url": _url(v, "cancel_url"),
    }
    pi_data = _pi_data(v)
    pending: list[Obj] = []
    items = _line_items(sb, v.get("line_items") or [], pending)
    currency = _one_currency(items, v.get("currency"))
    total = sum(i["amount_total"] for i in items)
    check_total(total, currency)
    checked["payment_method_types"] = method_types(v.get("payment_method_types"), currency)
    for obj in pending:  # everything is valid: now state may change
        sb.store.add(obj)
    session = _new_session(sb, v, now, customer, currency, total, link, checked)
    sb.store.add(session, line_items=items, payment_intent_data=pi_data)
    sb.open_sessions.add(session["id"])
    return session


def _customer(sb: Sandbox, v: dict[str, Any]) -> str | None:
    if v.get("customer") and v.get("customer_email"):
        raise only_one_of("customer", "customer_email")
    if v.get("customer"):
        sb.store.require("customer", v["customer"], "customer")
    return v.get("customer")


def _new_session(
    sb: Sandbox,
    v: dict[str, Any],
    now: int,
    customer: str | None,
    currency: str,
    total: int,
    link: Obj | None,
    checked: dict[str, Any],
) -> Obj:
    sid = ids.session_id()
    session = shapes.new(
        "checkout.session",
        id=sid,
        created=now,
        url=f"{sb.public_url}/checkout/{sid}",
        amount_subtotal=total,
        amount_total=total,
        currency=currency,
        customer=customer,
        payment_link=link["id"] if link else None,
        metadata=params.fresh_metadata(v.get("metadata")),
        **checked,
        **_echoed(v),
    )
    if v.get("phone_number_collection"):
        enabled = bool(v["phone_number_collection"].get("enabled"))
        session["phone_number_collection"] = {"enabled": enabled}
    if session["ui_mode"] != "hosted_page":
        session["url"] = None
        session["client_secret"] = f"{sid}_secret_{ids.token(20)}"
    return session


def _echoed(v: dict[str, Any]) -> dict[str, Any]:
    """Create params the session shows back as given (or with Stripe's default)."""
    return {
        "customer_email": v.get("customer_email"),
        "client_reference_id": v.get("client_reference_id"),
        "locale": v.get("locale"),
        "submit_type": v.get("submit_type"),
        "ui_mode": v.get("ui_mode") or "hosted_page",
        "customer_creation": v.get("customer_creation") or "if_required",
        "billing_address_collection": v.get("billing_address_collection"),
        "allow_promotion_codes": v.get("allow_promotion_codes"),
    }


def _pi_data(v: dict[str, Any]) -> dict[str, Any]:
    """payment_intent_data, kept aside: Stripe does not show it on the session."""
    check_pi_data(v)
    data = dict(v.get("payment_intent_data") or {})
    data["metadata"] = params.fresh_metadata(data.get("metadata"))
    return data


def check_pi_data(v: dict[str, Any]) -> None:
    data = v.get("payment_intent_data") or {}
    if data.get("statement_descriptor") and "card" in (v.get("payment_method_types") or ["card"]):
        raise invalid(
            "The `payment_intent_data[statement_descriptor]` parameter is not supported for "
            "card payments. Use `payment_intent_data[statement_descriptor_suffix]` instead.",
            "payment_intent_data[statement_descriptor]",
        )


def _check_mode(v: dict[str, Any]) -> None:
    if not v.get("mode"):
        raise missing_param("mode")
    if v["mode"] != "payment":
        raise invalid("The sandbox supports mode=payment only.", "mode")
    if not v.get("line_items"):
        raise missing_param("line_items")


def _expires_at(value: int | None, now: int) -> int:
    if value is None:
        return now + MAX_EXPIRY
    if value > now + MAX_EXPIRY:
        raise invalid(
            "The expires_at timestamp must be less than 24 hours from Checkout Session creation.",
            "expires_at",
        )
    if value < now + MIN_EXPIRY:
        raise invalid(
            "The expires_at timestamp must be at least 30 minutes from Checkout Session creation.",
            "expires_at",
        )
    return value


def _url(v: dict[str, Any], name: str) -> str | None:
    url = v.get(name)
    if url is None:
        return None
    if not url.startswith(("http://", "https://")) or len(url) > 5000:
        raise invalid("Not a valid URL", name, code="url_invalid")
    if v.get("ui_mode") in ("embedded_page", "elements"):
        raise invalid(f"You cannot use `{name}` with `ui_mode={v['ui_mode']}`.", name)
    return str(url)


def _line_items(sb: Sandbox, items: list[dict[str, Any]], pending: list[Obj]) -> list[Obj]:
    return [_line_item(sb, item, f"line_items[{n}]", pending) for n, item in enumerate(items)]


def _line_item(sb: Sandbox, item: dict[str, Any], param: str, pending: list[Obj]) -> Obj:
    if item.get("price") and item.get("price_data"):
        raise only_one_of(f"{param}[price]", f"{param}[price_data]")
    if item.get("price"):
        price = sb.store.require("price", item["price"], f"{param}[price]")
        if not price["active"]:
            raise invalid(f"The price `{price['id']}` is not active.", f"{param}[price]")
    elif item.get("price_data"):
        price = catalog.new_price(sb, item["price_data"], None, f"{param}[price_data]", pending)
    else:
        raise missing_param(f"{param}[price]")
    quantity = item.get("quantity")
    if quantity is None:
        raise missing_param(f"{param}[quantity]")
    names = {o["id"]: o.get("name") for o in pending if o["object"] == "product"}
    return line_item(sb, price, quantity, item.get("adjustable_quantity"), param, names)


def line_item(
    sb: Sandbox,
    price: Obj,
    quantity: int,
    adjustable: Any,
    param: str,
    names: dict[str, Any] | None = None,
) -> Obj:
    unit = price["unit_amount"]
    if unit is None:  # custom_unit_amount ("pay what you want"): preset, else the minimum
        custom = price["custom_unit_amount"] or {}
        unit = (
            custom.get("preset") or custom.get("minimum") or currencies.minimum(price["currency"])
        )
        if quantity != 1:
            raise invalid(
                "Prices with custom_unit_amount require quantity 1.", f"{param}[quantity]"
            )
    product = sb.store.objects.get(price["product"]) or {}
    name = product.get("name") or (names or {}).get(price["product"])
    amount = unit * quantity
    return shapes.new(
        "item",
        id=ids.new_id("li", 24),
        amount_subtotal=amount,
        amount_total=amount,
        currency=price["currency"],
        description=name,
        price=price,
        quantity=quantity,
        adjustable_quantity=adjustable,
    )


def _one_currency(items: list[Obj], requested: str | None) -> str:
    found = {i["currency"] for i in items}
    if len(found) > 1:
        raise invalid(
            "All line items must use the same currency; Checkout does not support "
            "multiple currencies in one session.",
            "line_items",
        )
    currency = found.pop()
    if requested and requested.lower() != currency:
        raise invalid(
            f"The currency `{requested}` does not match the line items' currency `{currency}`.",
            "currency",
        )
    return str(currency)


def check_total(total: int, currency: str) -> None:
    if total < currencies.minimum(currency):
        raise StripeError(
            "The Checkout Session's total amount due must add up to at least "
            f"{currencies.display(currencies.minimum(currency), currency)} {currency}",
            param="line_items",
            code="amount_too_small",
        )
    currencies.check_max(total, currency, "line_items")


# expiry -----------------------------------------------------------------------
def expire(sb: Sandbox, session: Obj, call: Call | None) -> Obj:
    if session["status"] != "open":
        raise invalid(
            'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout '
            f"Session has a status of `{session['status']}`."
        )
    session.update(status="expired", url=None)
    sb.open_sessions.discard(session["id"])
    for hook in sb.expiry_hooks:
        hook(sb, session, call)
    sb.store.dirty = True
    sb.emit("checkout.session.expired", session, call)
    return session


def refresh(sb: Sandbox, session: Obj) -> Obj:
    """Expire `session` now if its expires_at has passed (reads see it at once)."""
    if session["status"] == "open" and session["expires_at"] <= sb.now():
        expire(sb, session, None)
    return session


def sweep_expired(sb: Sandbox) -> None:
    with sb.lock:
        now = sb.now()
        for sid in list(sb.open_sessions):
            session = sb.store.objects.get(sid)
            if session is None or session["status"] != "open":
                sb.open_sessions.discard(sid)
            elif session["expires_at"] <= now:
                expire(sb, session, None)
