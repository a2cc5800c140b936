"""Dependencies for the routes; tests may override `get_settings` like any FastAPI dependency."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, TypeVar, cast

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kiosk.relay.settings import RelaySettings
from kiosk.relay.state import Relay
from kiosk.relay.tokens import clean_token, desk_for_token

T = TypeVar("T")
_bearer = HTTPBearer(auto_error=False, description="a desk token from `relay token create`")


# async, not def: FastAPI runs plain-def dependencies in a worker thread, which used to
# cost more than everything else a webhook does (see tests/benchmarks/bench_relay.py).
async def get_settings(request: Request) -> RelaySettings:
    return cast(RelaySettings, request.app.state.settings)  # Starlette's state is untyped


async def get_relay(request: Request) -> Relay:
    return cast(Relay, request.app.state.relay)


async def resolve(request: Request, dependency: Callable[[Request], Awaitable[T]]) -> T:
    """`dependency`, or a test's override of it, for the webhook's RawRoute.

    That route skips FastAPI's request handling for speed (see kiosk.relay.routes.webhook),
    so it resolves its two dependencies here, honouring `app.dependency_overrides`.
    """
    override = request.app.dependency_overrides.get(dependency)
    if override is None:
        return await dependency(request)
    value = override()  # overrides take no arguments, as in the FastAPI template's tests
    return cast(T, await value if inspect.isawaitable(value) else value)


SettingsDep = Annotated[RelaySettings, Depends(get_settings)]
RelayDep = Annotated[Relay, Depends(get_relay)]


@dataclass(frozen=True)
class Desk:
    """The desk behind a request's bearer token, and how to tell it has been revoked since."""

    name: str
    token: str = field(repr=False)  # never in a log line or a traceback's repr
    revocations: int = 0  # the notifier's count when the token was checked

    async def check_again(self, relay: Relay) -> Desk:
        """The desk, re-checked now (for a long-poll that has been held a while)."""
        return await _authorise(relay, self.token)


async def require_desk(
    relay: RelayDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Desk:
    """The desk behind the bearer token; 401 for a missing, unknown or revoked one.

    Whitespace around the token is ignored (a token pasted with a space or a newline);
    whitespace inside it makes it malformed."""
    if credentials is None or not credentials.credentials.strip():
        raise _unauthorized("missing bearer token")
    token = clean_token(credentials.credentials)
    if token is None:
        raise _unauthorized("malformed bearer token: whitespace inside it")
    return await _authorise(relay, token)


async def _authorise(relay: Relay, token: str) -> Desk:
    revocations = relay.notifier.revocations  # before reading: see Desk.revocations
    try:
        name = await asyncio.to_thread(desk_for_token, relay.engine, token)
    except Exception:
        raise HTTPException(503, "the relay database is unavailable") from None
    if name is None:
        raise _unauthorized("unknown or revoked token")
    return Desk(name, token, revocations)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


DeskDep = Annotated[Desk, Depends(require_desk)]
