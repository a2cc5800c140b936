"""GET /healthz: is the database reachable, and when did the last event arrive."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from kiosk.relay.deps import RelayDep

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str
    database: str
    last_event_at: str | None
    dialect: str
    pid: int
    long_polls: int
    uncommitted: int
    listen: str


@router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(relay: RelayDep) -> JSONResponse:
    info = {
        "dialect": relay.engine.dialect.name,
        "pid": os.getpid(),
        "long_polls": relay.notifier.waiting,
        "uncommitted": relay.writer.waiting,
        "listen": _LISTEN[relay.notifier.listening],
    }
    try:
        last = await asyncio.to_thread(relay.store.last_received_at)
    except Exception:
        body = {"status": "error", "database": "unreachable", "last_event_at": None, **info}
        return JSONResponse(body, 503)
    body = {"status": "ok", "database": "reachable", "last_event_at": iso_utc(last), **info}
    return JSONResponse(body)


# PostgreSQL LISTEN/NOTIFY state: wakes from other workers arrive ("up") or not ("down");
# on SQLite wake-ups are in-process only ("local").
_LISTEN = {True: "up", False: "down", None: "local"}


def iso_utc(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
