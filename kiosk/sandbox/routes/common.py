"""Helpers shared by the resource routes: list params, paging, expand, updates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kiosk.sandbox import expand, params, shapes
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import only_one_of
from kiosk.sandbox.store import Obj, check_limit

LIST_SPEC: params.Spec = {
    "limit": params.integer(),
    "starting_after": params.string(),
    "ending_before": params.string(),
    "created": params.range_filter,
    "expand": params.expand_list,
}
EXPAND_SPEC: params.Spec = {"expand": params.expand_list}


def list_page(
    sb: Sandbox,
    call: Call,
    kind: str,
    url: str,
    values: dict[str, Any],
    keep: Callable[[Obj], bool] = lambda o: True,
    within: list[str] | None = None,
) -> dict[str, Any]:
    """Newest-first page of `kind` objects (among `within` if given), filtered by
    `created` and `keep`."""
    if values.get("starting_after") and values.get("ending_before"):
        raise only_one_of("starting_after", "ending_before")
    created = values.get("created")
    test = keep if not created else (lambda o: keep(o) and in_range(o["created"], created))
    found, more = sb.store.page(
        kind,
        test,
        check_limit(values.get("limit")),
        values.get("starting_after"),
        values.get("ending_before"),
        within,
    )
    page = shapes.list_object(url, found, more)
    return expand.render(sb, page, values.get("expand"))


def in_range(value: int, bounds: dict[str, int]) -> bool:
    checks = {
        "eq": value.__eq__,
        "gt": value.__gt__,
        "gte": value.__ge__,
        "lt": value.__lt__,
        "lte": value.__le__,
    }
    return all(checks[op](bound) for op, bound in bounds.items())


def retrieve(sb: Sandbox, call: Call, kind: str) -> dict[str, Any]:
    values = params.validate(EXPAND_SPEC, call.params)
    obj = sb.store.require(kind, call.args["id"])
    return expand.render(sb, obj, values.get("expand"))


def update(sb: Sandbox, call: Call, obj: Obj, changes: dict[str, Any], event: str | None) -> Obj:
    """Apply `changes` (metadata merged), emit `event` with previous_attributes.

    Everything is validated before anything changes.
    """
    new = {
        k: params.apply_metadata(obj["metadata"], v) if k == "metadata" else v
        for k, v in changes.items()
    }
    previous = {k: _previous(k, obj.get(k), v) for k, v in new.items() if obj.get(k) != v}
    if previous:
        obj.update({k: new[k] for k in previous})
        sb.store.dirty = True
        if event:
            sb.emit(event, obj, call, previous)
    return obj


def _previous(key: str, old: Any, new: Any) -> Any:
    """Stripe lists only the metadata keys that changed (None: the key is new)."""
    if key != "metadata":
        return old
    return {k: old.get(k) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


def given(values: dict[str, Any], *names: str) -> dict[str, Any]:
    """The subset of `values` that was sent, for updates."""
    return {n: values[n] for n in names if n in values}
