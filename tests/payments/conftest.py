"""Payments fixtures: a sandbox on loopback, a gateway on it, a desk with an invoice."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import stripe

from kiosk.payments.gateway import StripeGateway
from kiosk.sandbox import SandboxHandle, start_sandbox

KEY = "sk_test_payments_suite"
TUITION, HOSTEL = 5_000_000, 1_100_000  # ₹50,000 and ₹11,000


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(webhook_retry_delays=(0.05, 0.1), refund_failure_delay=0.2)
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def client(sandbox: SandboxHandle) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": sandbox.url}, max_network_retries=0)


@pytest.fixture
def gateway(sandbox: SandboxHandle) -> StripeGateway:
    return StripeGateway(KEY, sandbox.url, timeout=5, max_retries=2)


@pytest.fixture
def invoice(make_invoice) -> str:
    make_invoice("INV-1", [("Tuition", TUITION, 1), ("Hostel", HOSTEL, 2)])
    return "INV-1"


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


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, what: str = "it") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
