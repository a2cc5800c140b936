"""Issue 13 item 10: the webhooks of one request arrive in a shuffled order, and late by a
configurable jitter, so that no consumer can depend on event order (Stripe does not
guarantee it: API-NOTES §4.2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.sandbox import SandboxHandle, start_sandbox
from tests.sandbox.conftest import Receiver, make_client, pay, wait_for

PAYMENTS = 6
JITTER = 0.3


@pytest.fixture
def jittery() -> Iterator[SandboxHandle]:
    with start_sandbox(event_jitter=JITTER) as handle:
        yield handle


def _pay_once(client) -> str:
    session = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "inr",
                        "unit_amount": 50000,
                        "product_data": {"name": "Order fee"},
                    },
                    "quantity": 1,
                }
            ],
        }
    )
    return pay(client, session.id).payment_intent


def test_events_of_one_request_arrive_shuffled_and_spread(jittery):
    client = make_client(jittery.url)
    receiver = Receiver()
    try:
        client.v1.webhook_endpoints.create({"url": receiver.url, "enabled_events": ["*"]})
        intents = [_pay_once(client) for _ in range(PAYMENTS)]
        created = client.v1.events.list({"limit": 100}).data[::-1]  # oldest first
        wanted = [e.id for e in created if e.type != "webhook_endpoint.created"]
        wait_for(lambda: len(receiver.events()) >= len(wanted), what="every delivery")
        arrived = [e["id"] for e in receiver.events()]
    finally:
        receiver.close()
    assert sorted(arrived) == sorted(wanted)  # every event, once
    per_request = {}
    for event in created:
        per_request.setdefault(event.request.id, []).append(event.id)
    shuffled = [ids for ids in per_request.values() if [i for i in arrived if i in ids] != ids]
    assert len(intents) == PAYMENTS and shuffled  # P(all in order) < (1/24)^6
    times = [a["at"] for a in jittery.webhook_attempts()]
    assert max(times) - min(times) > JITTER / 3


def test_jitter_is_off_by_default(fresh_sandbox):
    assert fresh_sandbox.engine.settings.event_jitter > 0  # the suite turns it on
    with start_sandbox() as plain:
        assert plain.engine.settings.event_jitter == 0.0
