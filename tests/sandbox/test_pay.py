"""The pay test helper: success, declines, PaymentIntent and Charge, events."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.conftest import pay


def _types_for(client, obj_ids: set[str], limit: int = 30) -> list[str]:
    events = client.v1.events.list({"limit": limit}).data
    return [e.type for e in events if e.data.object.id in obj_ids]


def test_success_completes_session(stripe_client, new_session):
    s = new_session(payment_intent_data={"metadata": {"fee": "F1"}})
    done = pay(stripe_client, s.id, "4242 4242 4242 4242", email="payer@example.edu")
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert done.payment_intent.startswith("pi_") and done.url is None
    assert done.customer_details.email == "payer@example.edu"
    pi = stripe_client.v1.payment_intents.retrieve(done.payment_intent)
    assert (pi.status, pi.amount_received, pi.amount) == ("succeeded", 50000, 50000)
    assert pi.metadata.to_dict() == {"fee": "F1"}
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge)
    card = charge.payment_method_details.card
    assert (card.brand, card.last4) == ("visa", "4242")
    assert (charge.amount_refunded, charge.refunded, charge.paid) == (0, False, True)
    assert charge.payment_intent == pi.id and charge.status == "succeeded"
    types = _types_for(stripe_client, {s.id, pi.id, charge.id})
    assert types[:3] == [
        "checkout.session.completed",
        "payment_intent.succeeded",
        "charge.succeeded",
    ]


@pytest.mark.parametrize(
    "card, code, decline_code",
    [
        ("4000000000000002", "card_declined", "generic_decline"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
        ("4000000000000069", "expired_card", "expired_card"),
    ],
)
def test_declines_leave_session_open(stripe_client, new_session, card, code, decline_code):
    s = new_session()
    with pytest.raises(stripe.CardError) as exc:
        pay(stripe_client, s.id, card)
    assert exc.value.http_status == 402
    assert exc.value.code == code and exc.value.error.decline_code == decline_code
    assert exc.value.error.type == "card_error"
    again = stripe_client.v1.checkout.sessions.retrieve(s.id)
    assert (again.status, again.payment_status) == ("open", "unpaid")
    failed = stripe_client.v1.events.list({"type": "payment_intent.payment_failed", "limit": 3})
    assert again.payment_intent == failed.data[0].data.object.id  # created at confirmation
    assert failed.data[0].data.object.last_payment_error.decline_code == decline_code
    done = pay(stripe_client, s.id)  # the payer may retry with another card
    assert done.status == "complete"
    pi = stripe_client.v1.payment_intents.retrieve(done.payment_intent)
    assert pi.id == failed.data[0].data.object.id and pi.status == "succeeded"


def test_incorrect_number(stripe_client, new_session):
    with pytest.raises(stripe.CardError) as exc:
        pay(stripe_client, new_session().id, "1234567812345678")
    assert exc.value.code == "incorrect_number"


def test_paying_twice_fails(stripe_client, new_session):
    s = new_session()
    pay(stripe_client, s.id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        pay(stripe_client, s.id)
    assert "already been completed" in exc.value.user_message


def test_pay_with_requests_too(sandbox, new_session):
    import requests

    s = new_session()
    resp = requests.post(
        f"{sandbox.url}/v1/test_helpers/checkout/sessions/{s.id}/pay",
        data={"card_number": "4242424242424242"},
        auth=("sk_test_req", ""),
        timeout=5,
    )
    assert resp.status_code == 200 and resp.json()["status"] == "complete"


def test_pay_requires_card_number(stripe_client, new_session):
    s = new_session()
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.raw_request("post", f"/v1/test_helpers/checkout/sessions/{s.id}/pay")
    assert exc.value.param == "card_number"


def test_customer_creation_always(stripe_client, new_session):
    s = new_session(customer_creation="always", customer_email="new@example.edu")
    done = pay(stripe_client, s.id)
    cus = stripe_client.v1.customers.retrieve(done.customer)
    assert cus.email == "new@example.edu"


@pytest.mark.parametrize("card", ["4000002500003155", "4000002760003184", "4000000000003220"])
def test_3ds_cards_pass_on_the_sandbox_page(stripe_client, new_session, card):
    assert pay(stripe_client, new_session().id, card).payment_status == "paid"


def test_live_card_in_test_mode_is_declined(stripe_client, new_session):
    with pytest.raises(stripe.CardError) as exc:
        pay(stripe_client, new_session().id, "4111111111111111")
    assert exc.value.error.decline_code == "test_mode_live_card"
