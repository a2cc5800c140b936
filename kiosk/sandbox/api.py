"""The `/v1/…` HTTP pipeline as a bare ASGI handler (no framework overhead per request):
body limit, auth, route, form decoding, idempotency, JSON out.

Every response is JSON with a `Request-Id`; errors use Stripe's shape and codes.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

from kiosk.sandbox import auth, expand, forms, ids, shapes, versions
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import StripeError, invalid
from kiosk.sandbox.idempotency import Stored, key_in_use
from kiosk.sandbox.limits import RateLimiter
from kiosk.sandbox.routing import Router

log = logging.getLogger("kiosk.sandbox.api")
MAX_BODY = 512 * 1024
MAX_QUERY = 32 * 1024
DRAIN_LIMIT = 64 * 1024 * 1024
REPLAYABLE = (200, 402)
FORM = "application/x-www-form-urlencoded"


class Api:
    def __init__(self, sb: Sandbox, router: Router) -> None:
        self.sb = sb
        self.router = router
        rate = sb.settings.rate_limit
        self.limiter = RateLimiter(rate) if rate else None
        self._in_flight: set[str] = set()
        self._keys = threading.Lock()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        request_id = ids.request_id()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        extra: dict[str, str] = {}
        try:
            auth.api_key(headers.get("authorization"))
            if "stripe-version" in headers:
                extra["stripe-version"] = versions.check(headers["stripe-version"])
            body = await _read_body(receive)
            if self.limiter is not None:
                self.limiter.check()
            # in a worker thread: a request waiting for the engine lock never stalls the
            # event loop, so requests really overlap (as the idempotency rules assume)
            status, payload, more = await asyncio.to_thread(
                self._handle, scope, headers, body, request_id
            )
            extra.update(more)
        except StripeError as exc:
            status, payload = exc.status, json.dumps(exc.body(request_id)).encode()
        except Exception:
            log.exception("sandbox API bug on %s %s", scope["method"], scope["path"])
            err = StripeError(
                "An unexpected error occurred in the sandbox.", status=500, type="api_error"
            )
            status, payload = 500, json.dumps(err.body(request_id)).encode()
        await _respond(send, status, payload, request_id, extra)

    def _handle(
        self, scope: dict[str, Any], headers: dict[str, str], body: bytes, request_id: str
    ) -> tuple[int, bytes, dict[str, str]]:
        method, path = scope["method"].upper(), scope["path"]
        handler, args = self.router.match(method, path)
        params = _params(scope.get("query_string", b""), headers, body)
        expand.check_request(method, path, params.get("expand"))
        key = headers.get("idempotency-key") if method == "POST" else None
        call = Call(method, path, params, args, request_id, key)
        if key is None:
            return (*self._run(handler, call), {})
        return self._idempotent(handler, call)

    def _run(self, handler: Any, call: Call) -> tuple[int, bytes]:
        with self.sb.request():
            try:
                return 200, json.dumps(handler(self.sb, call)).encode()
            except StripeError as exc:
                return exc.status, json.dumps(exc.body(call.request_id)).encode()

    def _idempotent(self, handler: Any, call: Call) -> tuple[int, bytes, dict[str, str]]:
        """Replay, refuse a mismatch, or run once. A key whose first request is still
        running gets Stripe's 409 `idempotency_key_in_use` (not stored: safe to retry)."""
        key = call.idempotency_key or ""
        with self._keys:
            if key in self._in_flight:
                raise key_in_use(key)
            self._in_flight.add(key)
        try:
            return self._once(handler, call, key)
        finally:
            with self._keys:
                self._in_flight.discard(key)

    def _once(self, handler: Any, call: Call, key: str) -> tuple[int, bytes, dict[str, str]]:
        fingerprint = json.dumps(call.params, sort_keys=True)
        with self.sb.lock:
            stored = self.sb.idempotency.lookup(key, call.path, fingerprint)
            if stored is not None:
                return (
                    stored.status,
                    stored.body,
                    {"idempotent-replayed": "true", "original-request": stored.request_id},
                )
            status, payload = self._run(handler, call)
            if status in REPLAYABLE:
                self.sb.idempotency.save(
                    key,
                    Stored(
                        call.path, fingerprint, status, payload, call.request_id or "", time.time()
                    ),
                )
        return status, payload, {"idempotency-key": key}


async def _read_body(receive: Any) -> bytes:
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
        elif size > DRAIN_LIMIT:
            break
        more = message.get("more_body", False)
    if size > MAX_BODY:  # drained (up to a point) so the client can read the answer
        raise _too_large()
    return b"".join(chunks)


def _too_large() -> StripeError:
    return invalid(f"Request body too large: the limit is {MAX_BODY // 1024} KB.")


def _params(query: bytes, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    if len(query) > MAX_QUERY:
        raise invalid(f"Query string too long: the limit is {MAX_QUERY // 1024} KB.")
    from_query = forms.decode(query) if query else {}
    if not body:
        return from_query
    ctype = headers.get("content-type", FORM)
    if not ctype.startswith(FORM):
        raise invalid(f"Invalid request: the body must be {FORM} (got {ctype[:80]}).")
    return forms.merge(from_query, forms.decode(body))


async def _respond(
    send: Any, status: int, payload: bytes, request_id: str, extra: dict[str, str]
) -> None:
    extra.setdefault("stripe-version", shapes.API_VERSION)  # the version the answer is in
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"request-id", request_id.encode()),
        *((k.encode(), v.encode("latin-1", "replace")) for k, v in extra.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
