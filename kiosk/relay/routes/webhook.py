"""POST /stripe/webhook: verify, store durably, acknowledge."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel

from kiosk.relay.deps import get_relay, get_settings, resolve
from kiosk.relay.inbound import Rejected, check_signature, parse_event, read_limited


class RawRoute(APIRoute):
    """A route documented in OpenAPI like any other, whose endpoint takes the bare Request.

    FastAPI's request handling (parameter solving, dependency resolution, exit stacks)
    costs ~30 us of server CPU per webhook, half of a whole bare endpoint; Stripe's traffic
    gets the endpoint directly (server CPU per request in tests/benchmarks/bench_relay.py).
    Measured 2026-12-04, same machine, two runs each: with `SettingsDep`/`RelayDep`
    parameters on a plain APIRoute the relay reached 0.47 and 0.56 of the bare endpoint's
    throughput (127-133 us per request), under the 0.6 target; on a plain APIRoute taking
    only the Request, 0.59 twice (120 us); with this route 0.64-0.67 (100-107 us).
    `kiosk.relay.deps.resolve` keeps `app.dependency_overrides` working here.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        return self.endpoint


router = APIRouter(tags=["stripe"], route_class=RawRoute)
log = logging.getLogger("kiosk.relay.webhook")

_ACK = {True: b'{"received":true,"duplicate":false}', False: b'{"received":true,"duplicate":true}'}
_BODY_DOC = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "object", "description": "a Stripe event"}}
    },
}
_SIG_DOC = {
    "name": "Stripe-Signature",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
}


class WebhookAck(BaseModel):
    received: bool
    duplicate: bool


class Problem(BaseModel):
    detail: str
    reason: str | None = None


@router.post(
    "/stripe/webhook",
    response_model=WebhookAck,
    responses={400: {"model": Problem}, 413: {"model": Problem}, 503: {"model": Problem}},
    openapi_extra={"requestBody": _BODY_DOC, "parameters": [_SIG_DOC]},
)
async def receive_webhook(request: Request) -> Response:
    """Answer 200 only once the event is committed; a known event id is a 200 duplicate."""
    settings = await resolve(request, get_settings)
    relay = await resolve(request, get_relay)
    try:
        body = await read_limited(request, settings.max_body_bytes)
        header = request.headers.get("stripe-signature")
        check_signature(body, header, settings.webhook_secrets, settings.signature_tolerance)
        incoming = parse_event(body)
    except Rejected as exc:
        relay.metrics.rejected[exc.reason] += 1
        log.warning("webhook rejected", extra={"reason": exc.reason, "status": exc.status})
        return JSONResponse({"detail": exc.message, "reason": exc.reason}, exc.status)
    try:
        fresh = await relay.writer.submit(incoming)
    except Exception:  # the database, not the sender: 503 so Stripe retries later
        return JSONResponse({"detail": "the relay could not store the event"}, 503)
    relay.metrics.received += 1
    relay.metrics.duplicates += not fresh
    return Response(_ACK[fresh], media_type="application/json")
