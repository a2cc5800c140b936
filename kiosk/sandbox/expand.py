"""`expand[]`: replace id strings with the objects they name (at most 4 levels)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.sandbox import shapes
from kiosk.sandbox.errors import invalid

if TYPE_CHECKING:
    from kiosk.sandbox.engine import Sandbox

MAX_DEPTH = 4
# field -> kind of object it expands to (None: an object the sandbox does not model)
TARGETS: dict[str, str | None] = {
    "payment_intent": "payment_intent",
    "customer": "customer",
    "latest_charge": "charge",
    "charge": "charge",
    "product": "product",
    "payment_link": "payment_link",
    "default_price": "price",
    "price": "price",
    "line_items": "list:item",
    "refunds": "list:refund",
    "balance_transaction": "balance_transaction",
    "failure_balance_transaction": "balance_transaction",
    "payment_method": "payment_method",
    "invoice": None,
    "subscription": None,
    "setup_intent": None,
}
BY_KIND: dict[str, frozenset[str]] = {
    "checkout.session": frozenset(
        {
            "line_items",
            "payment_intent",
            "customer",
            "payment_link",
            "invoice",
            "subscription",
            "setup_intent",
        }
    ),
    "payment_intent": frozenset({"customer", "latest_charge", "payment_method", "invoice"}),
    "charge": frozenset(
        {"customer", "payment_intent", "balance_transaction", "invoice", "refunds"}
    ),
    "payment_method": frozenset({"customer"}),
    "refund": frozenset(
        {"charge", "payment_intent", "balance_transaction", "failure_balance_transaction"}
    ),
    "price": frozenset({"product"}),
    "product": frozenset({"default_price"}),
    "item": frozenset({"price"}),
    "payout": frozenset({"balance_transaction", "failure_balance_transaction"}),
}
EXPANDABLE = frozenset(TARGETS)
PATH_KINDS = (
    ("/v1/test_helpers/checkout/sessions", "checkout.session"),
    ("/v1/test_helpers/refunds", "refund"),
    ("/v1/checkout/sessions", "checkout.session"),
    ("/v1/customers", "customer"),
    ("/v1/payment_links", "payment_link"),
    ("/v1/payment_intents", "payment_intent"),
    ("/v1/charges", "charge"),
    ("/v1/payment_methods", "payment_method"),
    ("/v1/refunds", "refund"),
    ("/v1/prices", "price"),
    ("/v1/products", "product"),
    ("/v1/events", "event"),
    ("/v1/balance_transactions", "balance_transaction"),
    ("/v1/test_helpers/payouts", "payout"),
    ("/v1/payouts", "payout"),
    ("/v1/webhook_endpoints", "webhook_endpoint"),
)


def check_request(method: str, path: str, paths: Any) -> None:
    """Reject a bad `expand[]` before the request changes anything."""
    if not paths or not isinstance(paths, list):
        return
    kind = _kind_for(method, path)
    for full in paths:
        if isinstance(full, str):
            _check_path(kind, full.split("."), full)


def _kind_for(method: str, path: str) -> str:
    for prefix, kind in PATH_KINDS:
        if path.startswith(prefix):
            if path.endswith("/line_items"):
                return "list:item"
            if path.endswith("/refunds") and prefix == "/v1/charges":
                return "list:refund"
            if path.endswith("/search"):
                return f"list:{kind}"
            return f"list:{kind}" if method == "GET" and path == prefix else kind
    return ""


def _check_path(kind: str | None, parts: list[str], full: str) -> None:
    if len(parts) > MAX_DEPTH:
        raise invalid(
            f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {full}",
            param="expand",
        )
    if not parts:
        return
    if kind and kind.startswith("list:"):
        if parts[0] != "data":
            raise _not_expandable(full)
        return _check_path(kind[5:], parts[1:], full)
    if kind is None or parts[0] not in BY_KIND.get(kind, ()):
        raise _not_expandable(full)
    return _check_path(TARGETS[parts[0]], parts[1:], full)


def _not_expandable(full: str) -> Exception:
    return invalid(f"This property cannot be expanded ({full}).", param="expand")


def render(sb: Sandbox, obj: dict[str, Any], paths: list[str] | None) -> dict[str, Any]:
    for path in paths or ():
        parts = path.split(".")
        if len(parts) > MAX_DEPTH:
            raise invalid(
                f"You cannot expand more than {MAX_DEPTH} levels of a property. Property: {path}",
                param="expand",
            )
        obj = _expand(sb, obj, parts, path)
    return obj


def _expand(sb: Sandbox, obj: Any, parts: list[str], path: str) -> Any:
    if not isinstance(obj, dict):
        return obj
    head, rest = parts[0], parts[1:]
    if obj.get("object") == "list" and head == "data":
        return {**obj, "data": [_expand(sb, o, rest, path) for o in obj["data"]]} if rest else obj
    value = _lookup(sb, obj, head, path)
    if rest:
        value = _expand(sb, value, rest, path)
    return {**obj, head: value}


def _lookup(sb: Sandbox, obj: dict[str, Any], head: str, path: str) -> Any:
    if head == "line_items" and obj.get("object") == "checkout.session":
        return line_items_list(sb, obj["id"], sb.store.peek(obj["id"]).get("line_items", []))
    if head == "refunds" and obj.get("object") == "charge":
        return charge_refunds(sb, obj["id"])
    if head not in EXPANDABLE or head not in obj:
        raise invalid(f"This property cannot be expanded ({path}).", param="expand")
    value = obj[head]
    if isinstance(value, str):
        return sb.store.objects.get(value, value)
    return value


def line_items_list(sb: Sandbox, session_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    url = f"/v1/checkout/sessions/{session_id}/line_items"
    return shapes.list_object(url, items[:10], len(items) > 10)


def charge_refunds(sb: Sandbox, charge_id: str) -> dict[str, Any]:
    """`charge.refunds` when expanded: the 10 most recent refunds of the charge."""
    found, more = sb.store.page("refund", lambda r: r["charge"] == charge_id, 10)
    return shapes.list_object(f"/v1/charges/{charge_id}/refunds", found, more)
