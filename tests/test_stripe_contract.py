"""The contract checker itself: it must catch what a future stripe release would change."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import stripe

from kiosk.sandbox import SandboxHandle, start_sandbox
from tests.stripe_contract import check, check_error, fields_of

RETURN = "https://kiosk.example/back"  # automatic payment methods need one


@pytest.fixture(scope="module")
def paid() -> Iterator[tuple[SandboxHandle, dict[str, Any]]]:
    with start_sandbox() as sb:
        client = stripe.StripeClient("sk_test_contract", base_addresses={"api": sb.url})
        pi = client.v1.payment_intents.create(
            {
                "amount": 5000,
                "currency": "inr",
                "payment_method": "pm_card_visa",
                "confirm": True,
                "return_url": RETURN,
            }
        )
        yield sb, pi.to_dict()


def test_sandbox_payment_intent_honours_the_contract(paid):
    assert check(paid[1]) == []


def test_fields_come_from_the_installed_package():
    assert {"amount", "status", "latest_charge", "payment_record"} <= set(
        fields_of(stripe.PaymentIntent)
    )


def test_an_extra_field_fails(paid):
    obj = {**paid[1], "charges": {"object": "list", "data": []}}
    assert any("charges: not a field" in p for p in check(obj))


def test_an_enum_value_outside_the_literal_fails(paid):
    obj = {**paid[1], "status": "paid"}
    assert any("status: 'paid' is not one of" in p for p in check(obj))


def test_a_missing_required_field_fails(paid):
    obj = {k: v for k, v in paid[1].items() if k != "amount"}
    assert any("amount: missing" in p for p in check(obj))


def test_a_missing_always_present_optional_field_fails(paid):
    obj = {k: v for k, v in paid[1].items() if k != "payment_record"}
    assert any("payment_record: missing" in p for p in check(obj))


def test_a_wrong_type_fails(paid):
    obj = {**paid[1], "amount": "5000"}
    assert any("amount: expected an integer" in p for p in check(obj))
    obj = {**paid[1], "livemode": None}
    assert any("livemode: null" in p for p in check(obj))


def test_nested_and_expanded_objects_are_checked(paid):
    obj = copy.deepcopy(paid[1])
    obj["latest_charge"] = {"id": "ch_1", "object": "charge", "amount": 1}
    assert any("latest_charge.amount_refunded: missing" in p for p in check(obj))
    obj["latest_charge"] = "ch_1"
    obj["amount_details"] = {"tip": {}, "bogus": 1}
    assert any("amount_details.bogus" in p for p in check(obj))


def test_error_bodies_carry_whole_objects():
    problems = check_error(
        {"type": "card_error", "payment_method": {"id": "pm_1", "object": "payment_method"}}
    )
    assert any("payment_method.type: missing" in p for p in problems)


def test_events_are_checked_by_their_data_object(paid):
    event = {
        "id": "evt_1",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": 1,
        "data": {"object": {**paid[1], "status": "nope"}},
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": "payment_intent.succeeded",
    }
    assert any("data.object.status" in p for p in check(event))


def test_the_suite_records_what_the_sandbox_answers(paid):
    """The recorder in tests/conftest.py sees answers and webhook payloads alike."""
    from tests.conftest import CONTRACT

    sandbox, pi = paid
    client = stripe.StripeClient("sk_test_contract", base_addresses={"api": sandbox.url})
    before = len(CONTRACT.bodies)
    client.v1.payment_intents.retrieve(pi["id"])
    where, body = CONTRACT.bodies[-1]
    assert len(CONTRACT.bodies) == before + 1
    assert where == f"GET /v1/payment_intents/{pi['id']} → 200" and pi["id"].encode() in body
