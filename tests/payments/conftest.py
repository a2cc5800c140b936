"""Payments fixtures: a sandbox on loopback, a gateway on it, a desk with an invoice."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stripe

from kiosk.payments.gateway import StripeGateway
from kiosk.sandbox import SandboxHandle, start_sandbox
from tests.conftest import make_staff
from tests.sandbox.conftest import EVENT_JITTER
from tests.waiting import wait_for  # noqa: F401  (re-exported for the tests)

KEY = "sk_test_payments_suite"
TUITION, HOSTEL = 5_000_000, 1_100_000  # ₹50,000 and ₹11,000
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(
        webhook_retry_delays=(0.05, 0.1), refund_failure_delay=0.2, event_jitter=EVENT_JITTER
    )
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def client(sandbox: SandboxHandle) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": sandbox.url}, max_network_retries=0)


@pytest.fixture
def own_sandbox() -> Iterator[SandboxHandle]:
    """A sandbox for one test, for tests that read Stripe's whole events list."""
    handle = start_sandbox(
        webhook_retry_delays=(0.05, 0.1), refund_failure_delay=0.2, event_jitter=EVENT_JITTER
    )
    yield handle
    handle.stop()


@pytest.fixture
def gateway(sandbox: SandboxHandle) -> StripeGateway:
    return StripeGateway(KEY, sandbox.url, timeout=5, max_retries=2)


@pytest.fixture
def invoice(make_invoice) -> str:
    """A fresh invoice number per test: the session-wide sandbox keeps every test's objects."""
    number = f"INV-{uuid.uuid4().hex[:8].upper()}"
    make_invoice(number, [("Tuition", TUITION, 1), ("Hostel", HOSTEL, 2)])
    return number


def pay(client: stripe.StripeClient, session_id: str, card: str = "4242424242424242") -> Any:
    """The sandbox's pay test helper (what submitting the hosted page does)."""
    resp = client.raw_request(
        "post", f"/v1/test_helpers/checkout/sessions/{session_id}/pay", card_number=card
    )
    return client.deserialize(resp, api_mode="V1")


def expire_now(client: stripe.StripeClient, session_id: str) -> Any:
    resp = client.raw_request("post", f"/v1/test_helpers/checkout/sessions/{session_id}/expire_now")
    return client.deserialize(resp, api_mode="V1")


def events_for(client: stripe.StripeClient, *ids: str) -> list[dict[str, Any]]:
    """Events Stripe recorded about any of `ids`, oldest first, as the relay delivers them."""
    found = []
    for event in client.v1.events.list({"limit": 100}).auto_paging_iter():
        event = event.to_dict()
        obj = event["data"]["object"]
        related = {
            obj.get("id"),
            obj.get("payment_intent"),
            obj.get("client_reference_id"),
            obj.get("payment_link"),
            (obj.get("metadata") or {}).get("attempt"),
        }
        if related & set(ids):
            found.append(event)
    return list(reversed(found))


class FaultyProxy:
    """A real HTTP proxy on 127.0.0.1 in front of the sandbox that misbehaves on purpose.

    For requests matching `path_prefix` and `method`: the first `fail_first` answer 500
    without reaching the sandbox; the next `delay_first` are forwarded (so the sandbox
    acts on them) and answered only after `delay` seconds, past the client's timeout.
    `forwarded` is set when a delayed request has reached the sandbox.
    """

    def __init__(
        self, upstream: str, path_prefix: str = "/v1/checkout/sessions", method: str = "POST"
    ) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.upstream, self.path_prefix, self.method = upstream, path_prefix, method
        self.fail_first = 0
        self.delay_first = 0
        self.delay = 2.0
        self.hits: list[str] = []
        self.forwarded = threading.Event()
        self._lock = threading.Lock()
        self._release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy._handle(self, "GET")

            def do_POST(self) -> None:
                proxy._handle(self, "POST")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def _plan(self, method: str, path: str) -> str:
        with self._lock:
            if method != self.method or not path.startswith(self.path_prefix):
                return "pass"
            self.hits.append(path)
            if self.fail_first > 0:
                self.fail_first -= 1
                return "fail"
            if self.delay_first > 0:
                self.delay_first -= 1
                return "delay"
            return "pass"

    def _handle(self, h: Any, method: str) -> None:
        import requests

        body = h.rfile.read(int(h.headers.get("content-length") or 0))
        plan = self._plan(method, h.path)
        if plan == "fail":
            self._reply(h, 500, b'{"error": {"type": "api_error", "message": "injected"}}', {})
            return
        headers = {
            k: v for k, v in h.headers.items() if k.lower() not in ("host", "content-length")
        }
        resp = requests.request(
            method, self.upstream + h.path, data=body, headers=headers, timeout=30
        )
        if plan == "delay":
            self.forwarded.set()
            self._release.wait(self.delay)
        extra = {
            k: v
            for k, v in resp.headers.items()
            if k.lower() in ("idempotent-replayed", "request-id", "stripe-version")
        }
        self._reply(h, resp.status_code, resp.content, extra)

    @staticmethod
    def _reply(h: Any, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body)
        except OSError:  # the client gave up (timeout): that is the point
            pass

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def proxy(sandbox: SandboxHandle) -> Iterator[FaultyProxy]:
    p = FaultyProxy(sandbox.url)
    yield p
    p.close()


def sessions_for_attempt(client: stripe.StripeClient, attempt_id: str) -> list[Any]:
    return [
        cs
        for cs in client.v1.checkout.sessions.list({"limit": 100}).auto_paging_iter()
        if cs.client_reference_id == attempt_id
    ]


@pytest.fixture
def staff(ledger):
    """(supervisor "meera", cashier "ravi"), both with PASSWORD."""
    return make_staff(ledger, ("meera", "supervisor"), ("ravi", "cashier"))


def start_pay_child(home, invoice: str, api_base: str, *extra: str) -> subprocess.Popen:
    """`python main.py pay INVOICE --amount 1000 --json [extra]` as a real child process,
    against `api_base` (the sandbox, or a faulty proxy in front of it)."""
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, STRIPE_SECRET_KEY=KEY, STRIPE_API_BASE=api_base)
    return subprocess.Popen(
        [
            sys.executable,
            str(root / "main.py"),
            "--home",
            str(home),
            "pay",
            invoice,
            "--amount",
            "1000",
            *extra,
            "--json",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
