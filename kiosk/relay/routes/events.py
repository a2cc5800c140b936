"""GET /v1/events: the desks' feed, by cursor, with long-polling."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel

from kiosk.relay.deps import Desk, DeskDep, RelayDep, SettingsDep
from kiosk.relay.routes.health import iso_utc
from kiosk.relay.state import Relay
from kiosk.relay.storage.events import StoredEvent

router = APIRouter(tags=["desks"])

MAX_CURSOR = 2**63 - 1
MAX_TYPES = 50


class EventOut(BaseModel):
    cursor: int
    id: str
    type: str
    received_at: str
    payload: dict[str, Any]


class EventsPage(BaseModel):
    events: list[EventOut]
    cursor: int


@router.get("/v1/events", response_model=EventsPage, responses={401: {}, 400: {}})
async def list_events(
    relay: RelayDep,
    settings: SettingsDep,
    desk: DeskDep,
    after: Annotated[int, Query(ge=0, le=MAX_CURSOR, description="last cursor seen")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    wait: Annotated[float, Query(ge=0, le=60, allow_inf_nan=False, description="seconds")] = 0,
    types: Annotated[str | None, Query(max_length=8000, description="a,b,c")] = None,
) -> Response:
    """Events after `after`; with `wait`, hold until one arrives or the wait ends.

    A held poll whose token is revoked meanwhile ends at once with 401: on PostgreSQL a
    NOTIFY from the revoking process wakes it; otherwise it re-checks its token every
    `poll_fallback` seconds (1 s), when it also re-reads the feed."""
    wanted = _split_types(types)
    loop = asyncio.get_running_loop()
    now = loop.time()
    deadline, checked = now + wait, now
    while True:
        ticket = relay.notifier.ticket()  # before reading: see kiosk.relay.notify
        rows = await _fetch(relay, after, limit, wanted)
        remaining = deadline - loop.time()
        if rows or remaining <= 0 or relay.notifier.closing:
            return Response(_page(rows, after), media_type="application/json")
        woken = await relay.notifier.wait(ticket, min(remaining, settings.poll_fallback))
        if _recheck(relay, desk, woken, loop.time() - checked >= settings.poll_fallback):
            desk, checked = await desk.check_again(relay), loop.time()


def _recheck(relay: Relay, desk: Desk, woken: bool, checked_long_ago: bool) -> bool:
    """Whether a held poll must check its token again: a revocation was announced since,
    or (no announcements reach this process) a fallback tick or a second has passed."""
    if desk.revocations != relay.notifier.revocations:
        return True
    return not relay.notifier.hears_revocations and (not woken or checked_long_ago)


async def _fetch(relay: Relay, after: int, limit: int, types: list[str]) -> list[StoredEvent]:
    try:
        return await asyncio.to_thread(relay.store.fetch, after, limit, types)
    except Exception:
        raise HTTPException(503, "the relay database is unavailable") from None


def _split_types(types: str | None) -> list[str]:
    wanted = sorted({t.strip() for t in (types or "").split(",") if t.strip()})
    if len(wanted) > MAX_TYPES:
        raise HTTPException(400, f"types: at most {MAX_TYPES} event types")
    if any("\x00" in t for t in wanted):  # PostgreSQL text cannot hold NUL
        raise HTTPException(400, "types: NUL is not allowed in an event type")
    return wanted


def _page(rows: list[StoredEvent], after: int) -> bytes:
    """The JSON page, splicing each stored body in as `payload` byte for byte."""
    items = b",".join(_event(row) for row in rows)
    cursor = rows[-1].cursor if rows else after
    return b'{"events":[' + items + b'],"cursor":' + str(cursor).encode() + b"}"


def _event(row: StoredEvent) -> bytes:
    head = json.dumps(
        {
            "cursor": row.cursor,
            "id": row.event_id,
            "type": row.type,
            "received_at": iso_utc(row.received_at),
        },
        separators=(",", ":"),
    )
    return head[:-1].encode() + b',"payload":' + row.payload + b"}"
