"""Events: list newest first (type with `*` wildcards, types[], created, delivery_success)
and retrieve."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Any

from kiosk.sandbox import params
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import no_such, only_one_of
from kiosk.sandbox.routes.common import EXPAND_SPEC, LIST_SPEC, list_page

RETENTION = 30 * 24 * 3600  # events are listed and retrievable for 30 days

LIST: params.Spec = {
    **LIST_SPEC,
    "type": params.string(200),
    "types": params.list_of(params.string(200), max_items=20),
    "delivery_success": params.boolean,
}


def listing(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(LIST, call.params)
    if v.get("type") and v.get("types"):
        raise only_one_of("type", "types")
    match_type = _type_filter(v.get("type"), v.get("types"))
    delivered = v.get("delivery_success")
    oldest = sb.now() - RETENTION

    def keep(event: dict[str, Any]) -> bool:
        if event["created"] < oldest:
            return False
        if delivered is not None and _delivered(sb, event) != delivered:
            return False
        return match_type(event["type"])

    return list_page(sb, call, "event", "/v1/events", v, keep)


def _type_filter(one: str | None, many: list[str] | None) -> Callable[[str], bool]:
    if one:
        if "*" in one:
            return lambda t: fnmatch.fnmatchcase(t, one)
        return one.__eq__
    if many:
        wanted = set(many)
        return wanted.__contains__
    return lambda t: True


def _delivered(sb: Sandbox, event: dict[str, Any]) -> bool:
    return event["pending_webhooks"] == 0 and not sb.store.peek(event["id"]).get("failed")


def retrieve(sb: Sandbox, call: Call) -> dict[str, Any]:
    params.validate(EXPAND_SPEC, call.params)
    event = sb.store.require("event", call.args["id"])
    if event["created"] < sb.now() - RETENTION:
        raise no_such("event", event["id"])
    return event


ROUTES = [
    ("GET", "/v1/events", listing),
    ("GET", "/v1/events/{id}", retrieve),
]
