"""FastAPI app factory for the sandbox: the Stripe API under /v1, hosted pages beside it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kiosk.sandbox import errors, lifecycle, upi
from kiosk.sandbox.api import Api
from kiosk.sandbox.engine import Sandbox, Settings
from kiosk.sandbox.routes import (
    charges,
    checkout,
    customers,
    events,
    payment_intents,
    payment_links,
    payouts,
    prices,
    refunds,
    test_helpers,
    webhook_endpoints,
)
from kiosk.sandbox.routing import Router

ROUTE_MODULES = (
    customers,
    prices,
    checkout,
    payment_links,
    payment_intents,
    charges,
    refunds,
    events,
    webhook_endpoints,
    test_helpers,
    payouts,
)


class SandboxApp(FastAPI):
    """FastAPI for the pages; `/v1/…` goes straight to the bare ASGI API handler."""

    api: Api

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/v1/"):
            await self.api(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(
    public_url: str | None = None,
    state_file: str | None = None,
    *,
    webhook_retry_delays: Sequence[float] | None = None,
    refund_failure_delay: float | None = None,
    merchant_name: str | None = None,
    **settings: Any,
) -> SandboxApp:
    """The sandbox ASGI app. `app.state.sandbox` is the engine (started with the app)."""
    values: dict[str, Any] = {
        k: v
        for k, v in {
            "public_url": public_url,
            "state_file": state_file,
            "webhook_retry_delays": webhook_retry_delays,
            "refund_failure_delay": refund_failure_delay,
            "merchant_name": merchant_name,
        }.items()
        if v is not None
    }
    sb = Sandbox(Settings(**values, **settings))
    sb.expiry_hooks.append(upi.on_session_expired)
    app = SandboxApp(
        title="Fee Kiosk Stripe sandbox",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=_lifespan(sb),
    )
    app.state.sandbox = sb
    app.api = Api(sb, Router(r for m in ROUTE_MODULES for r in m.ROUTES))
    _add_pages(app, sb)
    app.add_exception_handler(HTTPException, _not_found)
    return app


def _lifespan(sb: Sandbox) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lifecycle.start(sb)
        try:
            yield
        finally:
            sb.stop()

    return lifespan


def _add_pages(app: FastAPI, sb: Sandbox) -> None:
    from kiosk.sandbox import pages

    pages.add_routes(app, sb)


async def _not_found(request: Request, exc: Exception) -> Response:
    err = errors.unrecognized_url(request.method, request.url.path)
    if isinstance(exc, HTTPException) and exc.status_code not in (404, 405):
        err = errors.StripeError(str(exc.detail), status=exc.status_code)
    return Response(json.dumps(err.body()), err.status, media_type="application/json")
