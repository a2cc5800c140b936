"""Idempotency-Key: replay, mismatched params, other endpoint."""

from __future__ import annotations

import uuid

import pytest
import stripe


def _create_raw(client, key, **params):
    return client.raw_request("post", "/v1/customers", idempotency_key=key, **params)


def test_replay_returns_same_object(stripe_client):
    key = str(uuid.uuid4())
    first = stripe_client.v1.customers.create({"email": "i@x.y"}, {"idempotency_key": key})
    again = stripe_client.v1.customers.create({"email": "i@x.y"}, {"idempotency_key": key})
    assert first.id == again.id
    resp = _create_raw(stripe_client, key, email="i@x.y")
    assert resp.headers["idempotent-replayed"] == "true"
    assert resp.data["id"] == first.id
    found = stripe_client.v1.events.list({"type": "customer.created", "limit": 20})
    created = [e for e in found.data if e.data.object.id == first.id]
    assert len(created) == 1 and created[0].request.idempotency_key == key


def test_same_key_other_params_is_idempotency_error(stripe_client):
    key = str(uuid.uuid4())
    stripe_client.v1.customers.create({"email": "a@x.y"}, {"idempotency_key": key})
    with pytest.raises(stripe.IdempotencyError) as exc:
        stripe_client.v1.customers.create({"email": "b@x.y"}, {"idempotency_key": key})
    assert exc.value.http_status == 400
    assert "same parameters" in exc.value.user_message


def test_same_key_other_endpoint_is_idempotency_error(stripe_client):
    key = str(uuid.uuid4())
    stripe_client.v1.customers.create({"email": "a@x.y"}, {"idempotency_key": key})
    with pytest.raises(stripe.IdempotencyError) as exc:
        stripe_client.v1.products.create({"name": "x"}, {"idempotency_key": key})
    assert "same endpoint" in exc.value.user_message


def test_validation_errors_are_not_stored(stripe_client):
    key = str(uuid.uuid4())
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.create({"metadata": {"k" * 41: "v"}}, {"idempotency_key": key})
    ok = stripe_client.v1.customers.create({"email": "ok@x.y"}, {"idempotency_key": key})
    assert ok.email == "ok@x.y"


def test_card_errors_replay(stripe_client, new_session):
    s = new_session()
    key = str(uuid.uuid4())
    path = f"/v1/test_helpers/checkout/sessions/{s.id}/pay"
    for _ in range(2):
        with pytest.raises(stripe.CardError):
            stripe_client.raw_request(
                "post", path, card_number="4000000000000002", idempotency_key=key
            )
    failed = stripe_client.v1.events.list({"type": "charge.failed", "limit": 10}).data
    mine = [
        e
        for e in failed
        if e.data.object.payment_intent
        and e.data.object.amount == 50000
        and e.request.idempotency_key == key
    ]
    assert len(mine) == 1


def test_key_too_long(stripe_client):
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.create({}, {"idempotency_key": "k" * 256})
