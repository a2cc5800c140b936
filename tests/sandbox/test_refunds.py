"""Refunds: full and partial, over-refund errors, charge in step, async failure (5126)."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.conftest import pay, wait_for


@pytest.fixture
def paid_pi(stripe_client, new_session):
    def make(card: str = "4242424242424242") -> str:
        return pay(stripe_client, new_session().id, card).payment_intent

    return make


def test_full_refund_by_payment_intent(stripe_client, paid_pi):
    pi = paid_pi()
    refund = stripe_client.v1.refunds.create({"payment_intent": pi, "reason": "duplicate"})
    assert refund.id.startswith("re_") and refund.object == "refund"
    assert (refund.amount, refund.status, refund.reason) == (50000, "succeeded", "duplicate")
    charge = stripe_client.v1.charges.retrieve(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (50000, True)
    assert refund.payment_intent == pi
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create({"payment_intent": pi})
    assert exc.value.code == "charge_already_refunded"
    assert exc.value.user_message == f"Charge {charge.id} has already been refunded."


def test_partial_refunds_by_charge(stripe_client, paid_pi):
    charge_id = stripe_client.v1.payment_intents.retrieve(paid_pi()).latest_charge
    first = stripe_client.v1.refunds.create({"charge": charge_id, "amount": 20000})
    rest = stripe_client.v1.refunds.create({"charge": charge_id})
    assert (first.amount, rest.amount) == (20000, 30000)
    charge = stripe_client.v1.charges.retrieve(charge_id)
    assert (charge.amount_refunded, charge.refunded) == (50000, True)
    listed = stripe_client.v1.refunds.list({"charge": charge_id})
    assert [r.id for r in listed.data] == [rest.id, first.id]


def test_over_refund_is_400_in_stripes_words(stripe_client, paid_pi):
    pi = paid_pi()
    stripe_client.v1.refunds.create({"payment_intent": pi, "amount": 45000})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create({"payment_intent": pi, "amount": 6000})
    assert exc.value.http_status == 400 and exc.value.param == "amount"
    assert exc.value.user_message == (
        "Refund amount (₹60.00) is greater than unrefunded amount on charge (₹50.00)"
    )


def test_refund_events(stripe_client, paid_pi):
    pi = paid_pi()
    refund = stripe_client.v1.refunds.create({"payment_intent": pi, "amount": 1000})
    events = [
        e
        for e in stripe_client.v1.events.list({"limit": 20}).data
        if e.data.object.id in (refund.id, refund.charge)
    ]
    assert [e.type for e in events[:2]] == ["charge.refunded", "refund.created"]
    assert events[0].data.previous_attributes.amount_refunded == 0


@pytest.mark.parametrize(
    "params, param",
    [
        ({}, "charge"),
        ({"charge": "ch_x", "payment_intent": "pi_x"}, "payment_intent"),
        ({"payment_intent": "pi_missing"}, "payment_intent"),
        ({"charge": "ch_missing"}, "charge"),
    ],
)
def test_refund_param_errors(stripe_client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params)
    assert exc.value.param == param


def test_unpaid_intent_cannot_be_refunded(stripe_client):
    pi = stripe_client.v1.payment_intents.create({"amount": 5000, "currency": "inr"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create({"payment_intent": pi.id})
    assert "does not have a successful charge" in exc.value.user_message


def test_refund_fails_asynchronously_for_5126(stripe_client, paid_pi):
    pi = paid_pi("4000000000005126")
    refund = stripe_client.v1.refunds.create({"payment_intent": pi})
    assert refund.status == "succeeded"  # it first appears to succeed
    failed = wait_for(
        lambda: (
            stripe_client.v1.refunds.retrieve(refund.id).status == "failed"
            and stripe_client.v1.refunds.retrieve(refund.id)
        ),
        what="refund failure",
    )
    assert failed.failure_reason == "expired_or_canceled_card"
    charge = stripe_client.v1.charges.retrieve(refund.charge)
    assert (charge.amount_refunded, charge.refunded) == (0, False)
    types = [
        e.type
        for e in stripe_client.v1.events.list({"limit": 10}).data
        if e.data.object.id in (refund.id, charge.id)
    ]
    assert types[:4] == [
        "charge.updated",
        "charge.refund.updated",
        "refund.updated",
        "refund.failed",
    ]
    updated = stripe_client.v1.events.list({"type": "charge.refund.updated", "limit": 1}).data[0]
    assert updated.data.previous_attributes.status == "succeeded"


def test_fail_helper_fails_any_refund_now(stripe_client, paid_pi):
    refund = stripe_client.v1.refunds.create({"payment_intent": paid_pi()})
    resp = stripe_client.raw_request(
        "post", f"/v1/test_helpers/refunds/{refund.id}/fail", failure_reason="declined"
    )
    failed = stripe_client.deserialize(resp, api_mode="V1")
    assert (failed.status, failed.failure_reason) == ("failed", "declined")
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.raw_request("post", f"/v1/test_helpers/refunds/{refund.id}/fail")
    again = stripe_client.v1.refunds.create({"payment_intent": refund.payment_intent})
    assert again.amount == 50000  # the failed refund gave the money back to refund
