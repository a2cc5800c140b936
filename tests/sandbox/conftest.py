"""Sandbox fixtures: a running sandbox, a StripeClient on it, a webhook receiver.

Other suites may import these (`from tests.sandbox.conftest import sandbox, stripe_client`)
or start their own with `kiosk.sandbox.start_sandbox()`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

from kiosk.sandbox import SandboxHandle, start_sandbox
from tests.waiting import wait_for  # noqa: F401  (re-exported for the tests)

stripe.enable_telemetry = False

API_KEY = "sk_test_sandbox_suite"
FAST_RETRIES = (0.05, 0.1, 0.2)
# webhooks of one request arrive shuffled and up to this late, so no test can lean on order
EVENT_JITTER = 0.05


def make_client(url: str, key: str = API_KEY) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxHandle]:
    """One sandbox for the whole run (fast webhook retries, fast async refund failures)."""
    handle = start_sandbox(
        webhook_retry_delays=FAST_RETRIES, refund_failure_delay=0.2, event_jitter=EVENT_JITTER
    )
    yield handle
    handle.stop()


@pytest.fixture
def fresh_sandbox() -> Iterator[SandboxHandle]:
    """A sandbox of its own, for tests that need empty state."""
    handle = start_sandbox(
        webhook_retry_delays=FAST_RETRIES, refund_failure_delay=0.2, event_jitter=EVENT_JITTER
    )
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def stripe_client(sandbox: SandboxHandle) -> stripe.StripeClient:
    return make_client(sandbox.url)


@pytest.fixture
def fresh_client(fresh_sandbox: SandboxHandle) -> stripe.StripeClient:
    return make_client(fresh_sandbox.url)


@pytest.fixture
def new_session(stripe_client: stripe.StripeClient) -> Callable[..., Any]:
    """Create a ₹500 one-item payment session; keyword args override params."""

    def create(**overrides: Any) -> Any:
        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "inr",
                        "unit_amount": 50000,
                        "product_data": {"name": "Tuition fee"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "https://kiosk.example/paid?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://kiosk.example/cancel",
        }
        params.update(overrides)
        return stripe_client.v1.checkout.sessions.create(params)

    return create


def pay(
    client: stripe.StripeClient, session_id: str, card: str = "4242424242424242", **extra: Any
) -> Any:
    """The pay test helper, through the stripe package."""
    resp = client.raw_request(
        "post", f"/v1/test_helpers/checkout/sessions/{session_id}/pay", card_number=card, **extra
    )
    return client.deserialize(resp, api_mode="V1")


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records raw bodies and headers.

    `fail_first` makes the first N requests answer 500 (to test retries).
    """

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_first = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                status = receiver._record(body, dict(self.headers))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def _record(self, body: bytes, headers: dict[str, str]) -> int:
        with self._lock:
            failing = self.fail_first > 0
            self.fail_first -= 1 if failing else 0
            self.requests.append(
                {"body": body, "headers": headers, "status": 500 if failing else 200}
            )
            return 500 if failing else 200

    def events(self, type_: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            found = [json.loads(r["body"]) for r in self.requests if r["status"] == 200]
        return [e for e in found if type_ is None or e["type"] == type_]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()
