"""Stripe sandbox: a stateful local emulator of the Stripe API the kiosk uses.

Targets API version 2026-10-28.endive (what stripe-python 16 pins). Serve it with
`python main.py sandbox [--host H] [--port 12111] [--public-url URL] [--state FILE]`,
or in-process::

    from kiosk.sandbox import start_sandbox

    sandbox = start_sandbox()                 # ephemeral port on 127.0.0.1
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": sandbox.url},
                                 max_network_retries=0)
    ...
    sandbox.stop()                            # or use it as a context manager

`start_sandbox(host="127.0.0.1", port=0, public_url=None, state_file=None, *,
webhook_retry_delays=None, refund_failure_delay=None, merchant_name=None, **settings)`
returns a `SandboxHandle` with `.url` (the API base), `.public_url` (base of hosted
pages), `.app`, `.engine`, `.webhook_attempts()` and `.stop()`. Defaults: retries after
60 s, 10 min and 1 h (tests pass e.g. `(0.05, 0.1, 0.2)`); refunds of the 5126 card fail
1 s after they are made. Other `settings` (see engine.Settings): `webhook_timeout`,
`expiry_sweep_interval`, `save_interval`, `rate_limit` (requests a second; over it a 429
`rate_limit`; off by default) and `event_jitter` (seconds; the webhooks of one request go
out shuffled, each up to this late; 0 by default).

Sandbox-only test helpers (POST, form-encoded, any sk_test_/rk_test_ key):
- `/v1/test_helpers/checkout/sessions/{id}/pay` with `card_number` (and optional
  `email`): what paying on the hosted page does; the session, or a 402 card_error.
- `/v1/test_helpers/checkout/sessions/{id}/expire_now`: as if expires_at had passed.
- `/v1/test_helpers/refunds/{id}/fail` (optional `failure_reason`): the refund fails
  now (refund.failed, refund.updated, charge.refund.updated). Refunds of charges paid
  with 4000 0000 0000 5126 fail by themselves after `refund_failure_delay` seconds.

In-process only: `handle.engine.idempotency.advance(seconds)` ages the stored
Idempotency-Keys, as if that much time had passed (Stripe forgets a key after 24 h).

Call them through the stripe package with
`client.raw_request("post", "/v1/test_helpers/checkout/sessions/cs_…/pay",
card_number="4242424242424242")` and `client.deserialize(resp, api_mode="V1")`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["SandboxHandle", "start_sandbox"]


class SandboxHandle:
    """A sandbox served by a uvicorn ServerThread."""

    def __init__(self, server: Any, app: Any, public_url: str) -> None:
        self._server = server
        self.app = app
        self.engine = app.state.sandbox
        host = "127.0.0.1" if server.host in ("0.0.0.0", "") else server.host
        self.url: str = f"http://{host}:{server.port}"
        self.public_url = public_url

    def webhook_attempts(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far: event, endpoint, url, attempt, status, error,
        ok, final (no retry follows), at."""
        return list(self.engine.deliverer.attempts.copy())  # copy() is atomic

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandbox(
    host: str = "127.0.0.1",
    port: int = 0,
    public_url: str | None = None,
    state_file: str | None = None,
    *,
    webhook_retry_delays: Sequence[float] | None = None,
    refund_failure_delay: float | None = None,
    merchant_name: str | None = None,
    **settings: Any,
) -> SandboxHandle:
    """Start the sandbox in a background thread and return once it is serving."""
    from kiosk.sandbox.app import create_app
    from kiosk.serving import ServerThread

    deferred = _Deferred()
    server = ServerThread(  # binds now: the port is known
        deferred,
        host=host,
        port=port,
        timeout_graceful_shutdown=1,
        proxy_headers=False,
        server_header=False,
    )
    local = "127.0.0.1" if host in ("0.0.0.0", "") else host
    public = (public_url or f"http://{local}:{server.port}").rstrip("/")
    try:
        deferred.app = create_app(
            public,
            state_file,
            webhook_retry_delays=webhook_retry_delays,
            refund_failure_delay=refund_failure_delay,
            merchant_name=merchant_name,
            **settings,
        )
    except BaseException:
        server._sock.close()  # bound but never served
        raise
    server.start()
    return SandboxHandle(server, deferred.app, public)


class _Deferred:
    """An ASGI app whose target is set after the socket is bound."""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
