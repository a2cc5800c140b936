"""Webhook endpoints and signed, asynchronous, retried delivery."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from tests.sandbox.conftest import pay, wait_for


def _endpoint(client, url, events=("*",)):
    return client.v1.webhook_endpoints.create({"url": url, "enabled_events": list(events)})


def _session(client):
    return client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "inr",
                        "unit_amount": 20000,
                        "product_data": {"name": "Exam fee"},
                    },
                    "quantity": 1,
                }
            ],
        }
    )


def test_create_list_delete(fresh_client, receiver):
    ep = _endpoint(fresh_client, receiver.url, ["checkout.session.completed"])
    assert ep.id.startswith("we_") and ep.secret.startswith("whsec_")
    assert ep.status == "enabled" and list(ep.enabled_events) == ["checkout.session.completed"]
    listed = fresh_client.v1.webhook_endpoints.list()
    assert [e.id for e in listed.data] == [ep.id] and "secret" not in listed.data[0]
    deleted = fresh_client.v1.webhook_endpoints.delete(ep.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        fresh_client.v1.webhook_endpoints.retrieve(ep.id)


def test_unknown_event_type_rejected(fresh_client, receiver):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        _endpoint(fresh_client, receiver.url, ["checkout.session.paid"])
    assert exc.value.param == "enabled_events[0]"


def test_signed_delivery_verifies_with_stripe(fresh_client, receiver):
    ep = _endpoint(fresh_client, receiver.url)
    s = _session(fresh_client)
    pay(fresh_client, s.id)
    wait_for(lambda: receiver.events("checkout.session.completed"), what="completed webhook")
    request = next(
        r
        for r in receiver.requests
        if json.loads(r["body"])["type"] == "checkout.session.completed"
    )
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["content-type"].startswith("application/json")
    assert headers["stripe-signature"].startswith("t=")
    event = stripe.Webhook.construct_event(request["body"], headers["stripe-signature"], ep.secret)
    assert event.type == "checkout.session.completed"
    assert event.data.object.id == s.id and event.data.object.payment_status == "paid"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(request["body"], headers["stripe-signature"], "whsec_wrong")


def test_only_enabled_events_are_sent(fresh_client, receiver):
    _endpoint(fresh_client, receiver.url, ["checkout.session.expired"])
    s = _session(fresh_client)
    pay(fresh_client, _session(fresh_client).id)
    fresh_client.v1.checkout.sessions.expire(s.id)
    wait_for(lambda: receiver.events(), what="a webhook")
    assert {e["type"] for e in receiver.events()} == {"checkout.session.expired"}


def test_failed_deliveries_are_retried(fresh_sandbox, fresh_client, receiver):
    receiver.fail_first = 2
    _endpoint(fresh_client, receiver.url, ["customer.created"])
    cus = fresh_client.v1.customers.create({"email": "r@x.y"})
    got = wait_for(lambda: receiver.events("customer.created"), what="retried webhook")
    assert got[0]["data"]["object"]["id"] == cus.id
    assert [r["status"] for r in receiver.requests] == [500, 500, 200]
    attempts = wait_for(
        lambda: (
            [a for a in fresh_sandbox.webhook_attempts() if a["ok"]]
            and fresh_sandbox.webhook_attempts()
        ),
        what="attempt log",
    )
    assert [(a["attempt"], a["status"]) for a in attempts] == [(1, 500), (2, 500), (3, 200)]
    event = fresh_client.v1.events.retrieve(got[0]["id"])
    wait_for(lambda: fresh_client.v1.events.retrieve(event.id).pending_webhooks == 0)


def test_retries_are_bounded(fresh_sandbox, fresh_client, receiver):
    receiver.fail_first = 100
    _endpoint(fresh_client, receiver.url, ["customer.created"])
    fresh_client.v1.customers.create({})
    wait_for(
        lambda: any(a["final"] for a in fresh_sandbox.webhook_attempts()), what="delivery given up"
    )
    assert len(receiver.requests) == 4  # the first attempt and three retries, no more
    assert [a["attempt"] for a in fresh_sandbox.webhook_attempts()] == [1, 2, 3, 4]
    undelivered = fresh_client.v1.events.list({"delivery_success": False})
    assert [e.type for e in undelivered.data] == ["customer.created"]
    assert fresh_client.v1.events.list({"delivery_success": True}).data == []


def test_delivery_does_not_block_the_api(fresh_client):
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts, never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        _endpoint(fresh_client, url, ["customer.created"])
        started = time.monotonic()
        for _ in range(5):
            fresh_client.v1.customers.create({})
        assert time.monotonic() - started < 2.0
    finally:
        silent.close()


def test_disabled_endpoint_gets_nothing(fresh_client, receiver):
    ep = _endpoint(fresh_client, receiver.url, ["customer.created"])
    fresh_client.v1.webhook_endpoints.update(ep.id, {"disabled": True})
    fresh_client.v1.customers.create({})
    fresh_client.v1.webhook_endpoints.update(ep.id, {"disabled": False})
    marker = fresh_client.v1.customers.create({"email": "after@x.y"})
    got = wait_for(lambda: receiver.events("customer.created"), what="webhook")
    assert [e["data"]["object"]["id"] for e in got] == [marker.id]


def test_attempts_are_logged(fresh_client, receiver, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="kiosk.sandbox.webhooks")
    _endpoint(fresh_client, receiver.url, ["customer.created"])
    fresh_client.v1.customers.create({})
    wait_for(
        lambda: any("attempt 1: 200" in r.getMessage() for r in caplog.records), what="log line"
    )


def test_signature_is_stripes_scheme():
    from kiosk.sandbox.webhooks import sign

    body = b'{\n  "id": "evt_1",\n  "object": "event"\n}'
    expected = stripe.WebhookSignature.generate_signature_header(
        body.decode(), "whsec_abc", timestamp=1700000000
    )
    assert sign(body, "whsec_abc", 1700000000) == expected


def test_deleted_endpoint_gets_no_more_retries(fresh_sandbox, fresh_client, receiver):
    receiver.fail_first = 100
    ep = _endpoint(fresh_client, receiver.url, ["customer.created"])
    fresh_sandbox.engine.deliverer.retry_delays = (0.5, 0.5, 0.5)
    fresh_client.v1.customers.create({})
    wait_for(lambda: receiver.requests, what="first attempt")
    fresh_client.v1.webhook_endpoints.delete(ep.id)
    dropped = wait_for(
        lambda: [a for a in fresh_sandbox.webhook_attempts() if a["final"]], what="drop"
    )
    assert dropped[0]["error"] == "endpoint deleted or disabled"
    assert len(receiver.requests) == 1


def test_retries_follow_an_updated_url(fresh_sandbox, fresh_client, receiver):
    from tests.sandbox.conftest import Receiver

    second = Receiver()
    try:
        receiver.fail_first = 100
        ep = _endpoint(fresh_client, receiver.url, ["customer.created"])
        fresh_sandbox.engine.deliverer.retry_delays = (0.5, 0.5, 0.5)
        cus = fresh_client.v1.customers.create({})
        wait_for(lambda: receiver.requests, what="first attempt")
        fresh_client.v1.webhook_endpoints.update(ep.id, {"url": second.url})
        got = wait_for(lambda: second.events("customer.created"), what="retry at the new url")
        assert got[0]["data"]["object"]["id"] == cus.id
    finally:
        second.close()
