"""Webhook endpoints: create (returns the whsec_ secret), retrieve, update, list, delete."""

from __future__ import annotations

from typing import Any

from kiosk.sandbox import event_types, expand, ids, params, shapes, versions
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import invalid
from kiosk.sandbox.routes.common import LIST_SPEC, given, list_page, retrieve, update

FIELDS: params.Spec = {
    "url": params.string(5000),
    "enabled_events": params.list_of(params.string(100), max_items=500),
    "description": params.string(),
    "metadata": params.metadata,
    "api_version": params.string(100),
    "connect": params.boolean,
    "disabled": params.boolean,
    "expand": params.expand_list,
}
LIST: params.Spec = {
    k: LIST_SPEC[k] for k in ("limit", "starting_after", "ending_before", "expand")
}


def create(sb: Sandbox, call: Call) -> dict[str, Any]:
    spec = {k: f for k, f in FIELDS.items() if k != "disabled"}
    v = params.validate(spec, call.params, required=("url", "enabled_events"))
    secret = ids.webhook_secret()
    endpoint = shapes.new(
        "webhook_endpoint",
        id=ids.new_id("we", 24),
        created=sb.now(),
        url=_url(v["url"]),
        enabled_events=_events(v["enabled_events"]),
        description=v.get("description"),
        metadata=params.fresh_metadata(v.get("metadata")),
        api_version=versions.check(v["api_version"], "api_version")
        if v.get("api_version")
        else None,
    )
    sb.store.add(endpoint, secret=secret)
    return {**expand.render(sb, endpoint, v.get("expand")), "secret": secret}


def modify(sb: Sandbox, call: Call) -> dict[str, Any]:
    spec = {k: f for k, f in FIELDS.items() if k not in ("connect", "api_version")}
    v = params.validate(spec, call.params)
    endpoint = sb.store.require("webhook_endpoint", call.args["id"])
    changes = given(v, "description", "metadata")
    if "url" in v:
        changes["url"] = _url(v["url"])
    if "enabled_events" in v:
        changes["enabled_events"] = _events(v["enabled_events"])
    if v.get("disabled") is not None:
        changes["status"] = "disabled" if v["disabled"] else "enabled"
    update(sb, call, endpoint, changes, None)
    return expand.render(sb, endpoint, v.get("expand"))


def delete(sb: Sandbox, call: Call) -> dict[str, Any]:
    params.validate({}, call.params)
    endpoint = sb.store.require("webhook_endpoint", call.args["id"])
    sb.store.remove(endpoint["id"])
    return {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}


def listing(sb: Sandbox, call: Call) -> dict[str, Any]:
    v = params.validate(LIST, call.params)
    return list_page(sb, call, "webhook_endpoint", "/v1/webhook_endpoints", v)


def _url(url: str | None) -> str:
    if not url or not url.startswith(("http://", "https://")):
        raise invalid(
            "Invalid URL: URL must be publicly accessible... or, in the sandbox, any http(s) URL.",
            "url",
            code="url_invalid",
        )
    return url


def _events(names: list[str] | None) -> list[str]:
    if not names:
        raise invalid("Missing required param: enabled_events.", "enabled_events")
    for n, name in enumerate(names):
        if name != "*" and name not in event_types.ALL:
            raise invalid(
                f"Invalid enabled_events[{n}]: unknown event type {name!r}", f"enabled_events[{n}]"
            )
    return names


ROUTES = [
    ("POST", "/v1/webhook_endpoints", create),
    ("GET", "/v1/webhook_endpoints", listing),
    ("GET", "/v1/webhook_endpoints/{id}", lambda sb, call: retrieve(sb, call, "webhook_endpoint")),
    ("POST", "/v1/webhook_endpoints/{id}", modify),
    ("DELETE", "/v1/webhook_endpoints/{id}", delete),
]
