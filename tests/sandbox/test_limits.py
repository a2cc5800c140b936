"""Issue 13 item 9: a key still in flight gets 409 idempotency_key_in_use (no second run);
an optional rate limit answers 429 rate_limit, through the stripe package."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import stripe

from kiosk.sandbox import SandboxHandle, start_sandbox
from tests.sandbox.conftest import make_client, wait_for


def test_same_key_in_flight_gets_409_and_runs_once(fresh_sandbox, fresh_client):
    key = "kiosk:test:in-flight"
    results: list[object] = []
    engine = fresh_sandbox.engine
    with engine.lock:  # the first request is accepted, then waits for the engine
        first = threading.Thread(
            target=lambda: results.append(
                fresh_client.v1.customers.create(
                    {"email": "a@example.com"}, options={"idempotency_key": key}
                )
            )
        )
        first.start()
        wait_for(lambda: key in fresh_sandbox.app.api._in_flight, what="the first request")
        with pytest.raises(stripe.APIError) as exc:
            fresh_client.v1.customers.create(
                {"email": "a@example.com"}, options={"idempotency_key": key}
            )
    first.join(10)
    err = exc.value.json_body["error"]
    assert exc.value.http_status == 409
    assert (err["type"], err["code"]) == ("idempotency_error", "idempotency_key_in_use")
    assert len(results) == 1
    assert [c.id for c in fresh_client.v1.customers.list().data] == [results[0].id]
    replay = fresh_client.v1.customers.create(
        {"email": "a@example.com"}, options={"idempotency_key": key}
    )
    assert replay.id == results[0].id  # the 409 was not stored


@pytest.fixture
def limited() -> Iterator[SandboxHandle]:
    with start_sandbox(rate_limit=2) as handle:
        yield handle


def test_rate_limit_is_off_by_default(stripe_client):
    for _ in range(30):
        stripe_client.v1.customers.list({"limit": 1})


def test_rate_limit_answers_429_as_stripe(limited):
    client = make_client(limited.url)
    refusals = []
    for _ in range(10):
        try:
            client.v1.customers.create({"name": "x"})
        except stripe.RateLimitError as exc:
            refusals.append(exc)
    assert refusals
    first = refusals[0]
    err = first.json_body["error"]
    assert first.http_status == 429 and err["code"] == "rate_limit"
    assert err["doc_url"] == "https://stripe.com/docs/error-codes/rate-limit"
    assert "stripe-should-retry" not in {k.lower() for k in first.headers or {}}
    assert limited.app.api.limiter.refused == len(refusals)
    created = len(limited.engine.store.order.get("customer", []))
    assert created + limited.app.api.limiter.refused == 10  # refused ones never ran
