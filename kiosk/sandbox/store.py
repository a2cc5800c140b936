"""In-memory state: objects by id, creation order per kind, side data, pagination.

One RLock guards everything; API handlers, the scheduler and the saver all take it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from kiosk.sandbox.errors import StripeError, no_such

Obj = dict[str, Any]

_EMPTY: dict[str, Any] = {}
NOUNS = {
    "checkout.session": "checkout.session",
    "payment_link": "payment_link",
    "payment_intent": "payment_intent",
    "webhook_endpoint": "webhook_endpoint",
}


class Store:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, Obj] = {}
        self.order: dict[str, list[str]] = {}
        self.position: dict[str, int] = {}
        self.extra: dict[str, dict[str, Any]] = {}
        self.dirty = False

    def add(self, obj: Obj, **extra: Any) -> Obj:
        ids = self.order.setdefault(obj["object"], [])
        self.position[obj["id"]] = len(ids)
        ids.append(obj["id"])
        self.objects[obj["id"]] = obj
        if extra:
            self.extra[obj["id"]] = extra
        self.dirty = True
        return obj

    def get(self, kind: str, obj_id: Any) -> Obj | None:
        obj = self.objects.get(obj_id) if isinstance(obj_id, str) else None
        return obj if obj is not None and obj["object"] == kind else None

    def require(self, kind: str, obj_id: Any, param: str | None = "id") -> Obj:
        obj = self.get(kind, obj_id)
        if obj is None:
            raise no_such(NOUNS.get(kind, kind), str(obj_id), param)
        return obj

    def side(self, obj_id: str) -> dict[str, Any]:
        """Side data of an object, for writing (created on first use)."""
        return self.extra.setdefault(obj_id, {})

    def peek(self, obj_id: str) -> dict[str, Any]:
        """Side data of an object, for reading (creates nothing)."""
        return self.extra.get(obj_id, _EMPTY)

    def remove(self, obj_id: str) -> None:
        """Mark deleted: kept in order (so cursors still work) but no longer retrievable."""
        obj = self.objects.pop(obj_id, None)
        if obj is not None:
            self.side(obj_id)["deleted"] = obj["object"]
            self.dirty = True

    def page(
        self,
        kind: str,
        keep: Callable[[Obj], bool],
        limit: int,
        starting_after: str | None = None,
        ending_before: str | None = None,
        within: list[str] | None = None,
    ) -> tuple[list[Obj], bool]:
        """Newest-first page of `kind` objects passing `keep`, and `has_more`; only among
        `within` (ids, oldest first) when given, e.g. the transactions of one payout."""
        ids = self.order.get(kind, []) if within is None else within
        if ending_before is not None:
            start = self._cursor(kind, ending_before, "ending_before", within)
            found = _take(self._walk(ids, range(start + 1, len(ids))), keep, limit)
            return list(reversed(found[0])), found[1]
        start = len(ids)
        if starting_after is not None:
            start = self._cursor(kind, starting_after, "starting_after", within)
        return _take(self._walk(ids, range(start - 1, -1, -1)), keep, limit)

    def _walk(self, ids: list[str], positions: range) -> Iterator[Obj]:
        for pos in positions:
            obj = self.objects.get(ids[pos])
            if obj is not None:
                yield obj

    def _cursor(self, kind: str, obj_id: str, param: str, within: list[str] | None) -> int:
        if within is not None:
            if obj_id not in within:
                raise no_such(NOUNS.get(kind, kind), obj_id, param)
            return within.index(obj_id)
        pos = self.position.get(obj_id)
        if pos is None or self.order[kind][pos : pos + 1] != [obj_id]:
            raise no_such(NOUNS.get(kind, kind), obj_id, param)
        return pos

    def snapshot(self) -> dict[str, Any]:
        return {"objects": self.objects, "order": self.order, "extra": self.extra}

    def restore(self, data: dict[str, Any]) -> None:
        self.objects = data["objects"]
        self.order = data["order"]
        self.extra = data["extra"]
        self.position = {i: p for ids in self.order.values() for p, i in enumerate(ids)}


def _take(objs: Iterator[Obj], keep: Callable[[Obj], bool], limit: int) -> tuple[list[Obj], bool]:
    found: list[Obj] = []
    for obj in objs:
        if keep(obj):
            if len(found) == limit:
                return found, True
            found.append(obj)
    return found, False


def check_limit(value: int | None) -> int:
    if value is None:
        return 10
    if not 1 <= value <= 100:
        raise StripeError(
            "Invalid limit: must be between 1 and 100",
            param="limit",
            code="parameter_invalid_integer",
        )
    return value
