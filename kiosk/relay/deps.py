"""Dependencies for the routes; tests may override `get_settings` like any FastAPI dependency."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kiosk.relay.settings import RelaySettings
from kiosk.relay.state import Relay
from kiosk.relay.tokens import desk_for_token

T = TypeVar("T")
_bearer = HTTPBearer(auto_error=False, description="a desk token from `relay token create`")


# async, not def: FastAPI runs plain-def dependencies in a worker thread, which used to
# cost more than everything else a webhook does (see tests/benchmarks/bench_relay.py).
async def get_settings(request: Request) -> RelaySettings:
    return request.app.state.settings


async def get_relay(request: Request) -> Relay:
    return request.app.state.relay


async def resolve(request: Request, dependency: Callable[[Request], Awaitable[T]]) -> T:
    """`dependency`, or a test's override of it, for the webhook's RawRoute.

    That route skips FastAPI's request handling for speed (see kiosk.relay.routes.webhook),
    so it resolves its two dependencies here, honouring `app.dependency_overrides`.
    """
    override = request.app.dependency_overrides.get(dependency)
    if override is None:
        return await dependency(request)
    value = override()  # overrides take no arguments, as in the FastAPI template's tests
    return await value if inspect.isawaitable(value) else value


SettingsDep = Annotated[RelaySettings, Depends(get_settings)]
RelayDep = Annotated[Relay, Depends(get_relay)]


async def require_desk(
    relay: RelayDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The desk name behind the bearer token; 401 for a missing, unknown or revoked one."""
    if credentials is None or not credentials.credentials:
        raise _unauthorized("missing bearer token")
    try:
        desk = await asyncio.to_thread(desk_for_token, relay.engine, credentials.credentials)
    except Exception:
        raise HTTPException(503, "the relay database is unavailable") from None
    if desk is None:
        raise _unauthorized("unknown or revoked token")
    return desk


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


DeskDep = Annotated[str, Depends(require_desk)]
