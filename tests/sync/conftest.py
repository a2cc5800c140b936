"""Sync fixtures: sandbox → webhook → relay → desk, all real servers on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe

from kiosk.context import Context
from kiosk.demo import create_webhook_endpoint, free_port
from kiosk.relay.embedded import RunningRelay, start_relay
from kiosk.sandbox import SandboxHandle, start_sandbox
from tests.sandbox.conftest import EVENT_JITTER
from tests.waiting import wait_for  # noqa: F401  (re-exported for the tests)

KEY = "sk_test_sync_suite"


@dataclass
class Wiring:
    sandbox: SandboxHandle
    relay: RunningRelay
    relay_db: str
    relay_port: int
    whsec: str
    ctx: Context
    token: str

    def restart_relay(self, secrets: list[str] | None = None) -> RunningRelay:
        """Start the relay again on the same port and database (its tokens stay valid)."""
        self.relay = start_relay(self.relay_db, secrets or [self.whsec], port=self.relay_port)
        return self.relay

    def desk(self, name: str) -> Context:
        """Another desk on the same ledger, with its own name (and so its own cursor)."""
        other = Context(self.ctx.home.parent / f"home-{name}", self.ctx.db_url)
        other.home.mkdir(exist_ok=True)
        other.settings.set("desk.name", name)
        return other


@pytest.fixture
def wiring(ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Wiring]:
    sandbox = start_sandbox(
        webhook_retry_delays=(0.2, 0.4, 0.8, 1.6, 3.2), event_jitter=EVENT_JITTER
    )
    relay_port = free_port()
    whsec = create_webhook_endpoint(
        sandbox.url, KEY, f"http://127.0.0.1:{relay_port}/stripe/webhook"
    )
    relay_db = f"sqlite:///{tmp_path / 'relay.db'}"
    relay = start_relay(relay_db, [whsec], ["desk"], port=relay_port)
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    monkeypatch.setenv("FEE_KIOSK_RELAY_URL", relay.url)
    monkeypatch.setenv("FEE_KIOSK_RELAY_TOKEN", relay.tokens["desk"])
    monkeypatch.setenv("FEE_KIOSK_RELAY_OFFLINE_AFTER_SECONDS", "1")
    w = Wiring(sandbox, relay, relay_db, relay_port, whsec, ctx, relay.tokens["desk"])
    yield w
    for stop in (w.relay.stop, sandbox.stop):
        with contextlib.suppress(Exception):
            stop()


@pytest.fixture
def invoice(make_invoice) -> str:
    number = f"INV-{uuid.uuid4().hex[:8].upper()}"
    make_invoice(number, [("Tuition", 5_000_000, 1), ("Hostel", 1_100_000, 2)])
    return number


class Running:
    """A sync loop on its own thread, stopped at the end of the test."""

    def __init__(self, loop) -> None:
        self.loop = loop
        self.stop = threading.Event()
        self.states: list[Any] = []
        self.thread = threading.Thread(target=loop.run, args=(self.stop,), daemon=True)

    def __enter__(self) -> Running:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive(), "the sync loop did not stop"


def post_poison(wiring, event_id: str = "evt_poison_dead") -> None:
    """A signed webhook the relay stores but no desk can apply (its object is a string)."""
    poison = json.dumps(
        {
            "id": event_id,
            "object": "event",
            "created": 1,
            "type": "checkout.session.completed",
            "data": {"object": "not an object"},
        }
    )
    header = stripe.WebhookSignature.generate_signature_header(poison, wiring.whsec)
    resp = requests.post(
        f"{wiring.relay.url}/stripe/webhook",
        data=poison.encode(),
        headers={"Stripe-Signature": header},
        timeout=10,
    )
    assert resp.status_code == 200
