"""The relay's FastAPI application: `create_app(settings)`, or from the environment."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from kiosk.relay import logs, metrics, retention
from kiosk.relay.notify import listen_postgres
from kiosk.relay.routes import events, health, paid, webhook
from kiosk.relay.settings import RelaySettings, settings_from_env
from kiosk.relay.state import Relay
from kiosk.relay.storage.engine import is_sqlite, libpq_conninfo


def create_app(settings: RelaySettings) -> FastAPI:
    app = FastAPI(
        title="Fee Kiosk webhook relay",
        version="1",
        summary="Receives Stripe webhooks, stores them, and serves them to desks by long-poll.",
        lifespan=_lifespan,
        docs_url=None,  # /openapi.json stays; no Swagger page on a public endpoint
        redoc_url=None,
    )
    app.state.settings = settings
    # The webhook route joins the app's own routes: matching through an included router
    # costs Stripe's hot path ~15 us a request. The desks' routes are included as usual.
    app.router.routes.extend(webhook.router.routes)
    for module in (events, health, paid):
        app.include_router(module.router)
    app.add_exception_handler(RequestValidationError, _bad_request)
    return app


def create_app_from_env() -> FastAPI:
    """For `uvicorn --factory` with several workers: settings come from the environment."""
    json_logs = os.environ.get("FEE_KIOSK_RELAY_JSON_LOGS", "")
    if json_logs:
        logs.configure(access_log=json_logs == "access")
    return create_app(settings_from_env())


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: RelaySettings = app.state.settings
    relay = await Relay.open(settings)
    app.state.relay = relay
    app.state.loop = asyncio.get_running_loop()  # for stopping from another thread
    tasks = [
        asyncio.create_task(
            retention.prune_forever(relay.store, settings.retention_days, settings.prune_interval)
        ),
        asyncio.create_task(metrics.report_forever(relay.metrics, settings.metrics_interval)),
    ]
    if not is_sqlite(relay.engine):
        relay.notifier.listening = False  # until the LISTEN connection is up
        conninfo = libpq_conninfo(relay.engine.url)
        tasks.append(asyncio.create_task(listen_postgres(conninfo, relay.notifier)))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await relay.close()
        relay.metrics.emit(settings.metrics_interval)  # the last, partial interval


async def _bad_request(_request: Request, exc: Exception) -> JSONResponse:
    """Bad query parameters are the client's mistake: 400 with one readable line."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    parts = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}" for e in errors]
    return JSONResponse({"detail": "; ".join(parts) or "bad request"}, 400)
