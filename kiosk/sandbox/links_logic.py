"""Payment Links: build from params, decide whether a link is usable, open a session for it."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import ids, params, sessions_logic, shapes
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import invalid, missing_param
from kiosk.sandbox.methods import method_types
from kiosk.sandbox.store import Obj

DEFAULT_INACTIVE = "This link is no longer active."
PI_DATA_KEYS = (
    "capture_method",
    "description",
    "metadata",
    "setup_future_usage",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_group",
)


def build(sb: Sandbox, v: dict[str, Any], call: Call) -> Obj:
    sessions_logic.check_pi_data(v)  # the sessions it opens must be valid too
    items = _line_items(sb, v.get("line_items"))
    if v.get("payment_method_types"):
        method_types(v["payment_method_types"], items[0]["currency"])
    link_id = ids.new_id("plink", 24)
    link = shapes.new(
        "payment_link",
        id=link_id,
        url=f"{sb.public_url}/link/{link_id}",
        currency=items[0]["currency"],
        metadata=params.fresh_metadata(v.get("metadata")),
        inactive_message=v.get("inactive_message"),
        after_completion=after_completion(v.get("after_completion")),
        restrictions=restrictions(v.get("restrictions"), None),
        payment_intent_data=pi_data(v.get("payment_intent_data")),
        customer_creation=v.get("customer_creation") or "if_required",
        submit_type=v.get("submit_type") or "auto",
        payment_method_types=v.get("payment_method_types"),
        allow_promotion_codes=bool(v.get("allow_promotion_codes")),
        billing_address_collection=v.get("billing_address_collection") or "auto",
    )
    sb.store.add(
        link, line_items=[{"price": i["price"]["id"], "quantity": i["quantity"]} for i in items]
    )
    sb.emit("payment_link.created", link, call)
    return link


def _line_items(sb: Sandbox, items: list[dict[str, Any]] | None) -> list[Obj]:
    if not items:
        raise missing_param("line_items")
    built = []
    for n, item in enumerate(items):
        param = f"line_items[{n}]"
        if not item.get("price"):
            raise missing_param(f"{param}[price]")
        if item.get("quantity") is None:
            raise missing_param(f"{param}[quantity]")
        price = sb.store.require("price", item["price"], f"{param}[price]")
        built.append(
            sessions_logic.line_item(
                sb, price, item["quantity"], item.get("adjustable_quantity"), param
            )
        )
    if len({i["currency"] for i in built}) > 1:
        raise invalid("All prices on a payment link must use the same currency.", "line_items")
    sessions_logic.check_total(sum(i["amount_total"] for i in built), built[0]["currency"])
    return built


def after_completion(value: dict[str, Any] | None) -> dict[str, Any]:
    if not value:
        return {"hosted_confirmation": {"custom_message": None}, "type": "hosted_confirmation"}
    kind = value.get("type")
    if kind is None:
        raise missing_param("after_completion[type]")
    if kind == "redirect":
        url = (value.get("redirect") or {}).get("url")
        if not url or not url.startswith(("http://", "https://")):
            raise missing_param("after_completion[redirect][url]")
        return {"redirect": {"url": url}, "type": "redirect"}
    message = (value.get("hosted_confirmation") or {}).get("custom_message")
    return {"hosted_confirmation": {"custom_message": message}, "type": "hosted_confirmation"}


def restrictions(value: dict[str, Any] | None, current: Obj | None) -> dict[str, Any] | None:
    if value is None:
        return current
    limit = (value.get("completed_sessions") or {}).get("limit")
    if limit is None:
        raise missing_param("restrictions[completed_sessions][limit]")
    count = ((current or {}).get("completed_sessions") or {}).get("count", 0)
    return {"completed_sessions": {"count": count, "limit": limit}}


def pi_data(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    data: dict[str, Any] = {k: value.get(k) for k in PI_DATA_KEYS}
    data["metadata"] = params.fresh_metadata(value.get("metadata"))
    return data


def usable(link: Obj) -> bool:
    """Active, and under its completed-sessions limit."""
    limits = (link.get("restrictions") or {}).get("completed_sessions")
    if limits and limits["count"] >= limits["limit"]:
        return False
    return bool(link["active"])


def inactive_message(link: Obj) -> str:
    return link.get("inactive_message") or DEFAULT_INACTIVE


def open_session(sb: Sandbox, link: Obj) -> Obj:
    """A new Checkout Session for one visit to the link (carries its metadata)."""
    side = sb.store.peek(link["id"])
    v: dict[str, Any] = {
        "mode": "payment",
        "line_items": [dict(i) for i in side["line_items"]],
        "metadata": dict(link["metadata"]),
        "customer_creation": link["customer_creation"],
        "submit_type": link["submit_type"],
        "allow_promotion_codes": link["allow_promotion_codes"],
        "payment_method_types": link["payment_method_types"],
    }
    if link["payment_intent_data"]:
        v["payment_intent_data"] = {
            k: x for k, x in link["payment_intent_data"].items() if x is not None
        }
    if link["after_completion"]["type"] == "redirect":
        v["success_url"] = link["after_completion"]["redirect"]["url"]
    return sessions_logic.build(sb, v, None, link)
