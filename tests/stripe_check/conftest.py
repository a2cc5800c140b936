"""stripe-check fixtures: a target sandbox set up as the README says, a fake Stripe on
loopback (for restricted-key permissions, which the sandbox does not emulate), and a
helper that runs the command and returns (exit status, stdout, stderr)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

from kiosk.demo import WEBHOOK_EVENTS
from kiosk.sandbox import SandboxHandle, start_sandbox

TARGET_KEY = "sk_test_stripecheck_target_0123456789abcd"


def add_endpoint(url: str, key: str = TARGET_KEY, **overrides: Any) -> Any:
    client = stripe.StripeClient(key, base_addresses={"api": url}, max_network_retries=0)
    params = {
        "url": "http://127.0.0.1:9/stripe/webhook",
        "enabled_events": list(WEBHOOK_EVENTS),
        "api_version": stripe.api_version,
        **overrides,
    }
    return client.v1.webhook_endpoints.create(params)


@pytest.fixture
def target() -> Iterator[SandboxHandle]:
    """A sandbox standing in for the integrator's Stripe test account, with its webhook
    endpoint configured as the README says."""
    handle = start_sandbox(webhook_retry_delays=(3600.0,))
    add_endpoint(handle.url)
    yield handle
    handle.stop()


@pytest.fixture
def bare_target() -> Iterator[SandboxHandle]:
    """A target sandbox without any webhook endpoint."""
    handle = start_sandbox(webhook_retry_delays=(3600.0,))
    yield handle
    handle.stop()


@pytest.fixture
def stripe_check(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run `stripe-check ARGS…` in this process; returns (status, stdout, stderr)."""
    from kiosk.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(["--home", str(home), "stripe-check", *args])
        out, err = capsys.readouterr()
        return status, out, err

    return run


# -- a fake Stripe ---------------------------------------------------------------------------

PERMISSION_MESSAGE = (
    "The provided key 'rk_test_*********************abcd' does not have the required "
    "permissions for this endpoint on account 'acct_1Fake'. Having the '{perm}' permission "
    "would allow this request to continue."
)


@dataclass
class FakeStripe:
    """Answers like Stripe for a restricted key: 403 for (method, path) pairs listed in
    `forbidden`, 400 for any other POST (the probes send an invalid parameter), an empty
    list for any other GET. Records every request."""

    url: str = ""
    forbidden: dict[tuple[str, str], str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, method: str) -> None:
            parts = urlsplit(self.path)
            size = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(size).decode() if size else ""
            fake.requests.append(
                {
                    "method": method,
                    "path": parts.path,
                    "params": parse_qs(body or parts.query),
                    "idempotency_key": self.headers.get("idempotency-key"),
                }
            )
            perm = fake.forbidden.get((method, parts.path))
            if perm:
                status = 403
                payload: dict[str, Any] = {
                    "error": {
                        "message": PERMISSION_MESSAGE.format(perm=perm),
                        "type": "invalid_request_error",
                    }
                }
            elif method == "POST":
                status = 400
                payload = {
                    "error": {"message": "Invalid parameter.", "type": "invalid_request_error"}
                }
            else:
                status = 200
                payload = {"object": "list", "data": [], "has_more": False, "url": parts.path}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

    return Handler


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
