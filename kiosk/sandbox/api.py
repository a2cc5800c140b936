"""The `/v1/…` HTTP pipeline: body limit, auth, route, form decoding, idempotency, JSON.

Every response is JSON with a `Request-Id`; errors use Stripe's shape and codes.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kiosk.sandbox import auth, forms, ids, shapes
from kiosk.sandbox.engine import Call, Sandbox
from kiosk.sandbox.errors import StripeError, invalid
from kiosk.sandbox.idempotency import Stored
from kiosk.sandbox.routing import Router

log = logging.getLogger("kiosk.sandbox.api")
MAX_BODY = 512 * 1024
MAX_QUERY = 64 * 1024
REPLAYABLE = (200, 402)


class Api:
    def __init__(self, sb: Sandbox, router: Router) -> None:
        self.sb = sb
        self.router = router

    async def handle(self, request: Request) -> Response:
        request_id = ids.request_id()
        headers = {"Request-Id": request_id, "Stripe-Version": shapes.API_VERSION}
        try:
            body = await _read_body(request)
            status, payload, extra = self._handle(request, body, request_id)
            headers.update(extra)
        except StripeError as exc:
            status, payload = exc.status, json.dumps(exc.body(request_id)).encode()
        except Exception:
            log.exception("sandbox API bug on %s %s", request.method, request.url.path)
            err = StripeError(
                "An unexpected error occurred in the sandbox.", status=500, type="api_error"
            )
            status, payload = 500, json.dumps(err.body(request_id)).encode()
        return Response(payload, status, headers, media_type="application/json")

    def _handle(self, request: Request, body: bytes, request_id: str) -> tuple[int, bytes, dict]:
        auth.api_key(request.headers.get("authorization"))
        method, path = request.method.upper(), request.url.path
        handler, args = self.router.match(method, path)
        call = Call(
            method,
            path,
            _params(request, body),
            args,
            request_id,
            request.headers.get("idempotency-key") if method == "POST" else None,
        )
        if call.idempotency_key is None:
            return (*self._run(handler, call), {})
        return self._idempotent(handler, call)

    def _run(self, handler: Any, call: Call) -> tuple[int, bytes]:
        with self.sb.lock:
            try:
                result = handler(self.sb, call)
                return 200, json.dumps(result).encode()
            except StripeError as exc:
                return exc.status, json.dumps(exc.body(call.request_id)).encode()

    def _idempotent(self, handler: Any, call: Call) -> tuple[int, bytes, dict]:
        key = call.idempotency_key or ""
        fingerprint = json.dumps(call.params, sort_keys=True)
        with self.sb.lock:
            stored = self.sb.idempotency.lookup(key, call.path, fingerprint)
            if stored is not None:
                return (
                    stored.status,
                    stored.body,
                    {"Idempotent-Replayed": "true", "Original-Request": stored.request_id},
                )
            status, payload = self._run(handler, call)
            if status in REPLAYABLE:
                self.sb.idempotency.save(
                    key,
                    Stored(
                        call.path, fingerprint, status, payload, call.request_id or "", time.time()
                    ),
                )
        return status, payload, {"Idempotency-Key": key}


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> StripeError:
    return invalid(f"Request body too large: the limit is {MAX_BODY // 1024} KB.")


def _params(request: Request, body: bytes) -> dict[str, Any]:
    query = request.scope.get("query_string", b"")
    if len(query) > MAX_QUERY:
        raise invalid(f"Query string too long: the limit is {MAX_QUERY // 1024} KB.")
    from_query = forms.decode(query) if query else {}
    if not body:
        return from_query
    ctype = request.headers.get("content-type", "application/x-www-form-urlencoded")
    if not ctype.startswith("application/x-www-form-urlencoded"):
        raise invalid(
            "Invalid request: the body must be application/x-www-form-urlencoded "
            f"(got {ctype[:80]})."
        )
    return forms.merge(from_query, forms.decode(body))
