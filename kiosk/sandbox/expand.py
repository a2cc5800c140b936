"""`expand[]`: replace id strings with the objects they name (at most 4 levels)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.sandbox import shapes
from kiosk.sandbox.errors import invalid

if TYPE_CHECKING:
    from kiosk.sandbox.engine import Sandbox

MAX_DEPTH = 4
EXPANDABLE = frozenset(
    [
        "payment_intent",
        "customer",
        "latest_charge",
        "charge",
        "product",
        "payment_link",
        "default_price",
        "balance_transaction",
        "payment_method",
        "invoice",
        "subscription",
        "setup_intent",
    ]
)


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
        return line_items_list(sb, obj["id"], sb.store.side(obj["id"]).get("line_items", []))
    if head not in EXPANDABLE or head not in obj:
        raise invalid(f"This property cannot be expanded ({path}).", param="expand")
    value = obj[head]
    if isinstance(value, str):
        return sb.store.objects.get(value, value)
    return value


def line_items_list(sb: Sandbox, session_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    url = f"/v1/checkout/sessions/{session_id}/line_items"
    return shapes.list_object(url, items[:10], len(items) > 10)
