"""PaymentIntents used directly: create, confirm with test PaymentMethods, capture, cancel."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.conftest import pay

RETURN = "https://kiosk.example/back"  # automatic payment methods need one


def test_create_shape(stripe_client):
    pi = stripe_client.v1.payment_intents.create(
        {"amount": 12345, "currency": "INR", "metadata": {"fee": "1"}}
    )
    assert pi.id.startswith("pi_") and pi.object == "payment_intent"
    assert (pi.status, pi.currency, pi.amount_received) == ("requires_payment_method", "inr", 0)
    assert pi.client_secret.startswith(pi.id + "_secret_") and pi.latest_charge is None
    assert pi.automatic_payment_methods.enabled is True


def test_confirm_success(stripe_client):
    pi = stripe_client.v1.payment_intents.create({"amount": 5000, "currency": "usd"})
    done = stripe_client.v1.payment_intents.confirm(
        pi.id, {"return_url": RETURN, "payment_method": "pm_card_visa"}
    )
    assert (done.status, done.amount_received) == ("succeeded", 5000)
    charge = stripe_client.v1.charges.retrieve(done.latest_charge)
    assert charge.payment_method_details.card.last4 == "4242" and charge.captured


def test_create_and_confirm_in_one_call(stripe_client):
    pi = stripe_client.v1.payment_intents.create(
        {
            "amount": 5000,
            "currency": "usd",
            "payment_method": "pm_card_mastercard",
            "confirm": True,
            "return_url": RETURN,
            "expand": ["latest_charge"],
        }
    )
    assert pi.status == "succeeded" and pi.latest_charge.payment_method_details.card.brand == (
        "mastercard"
    )


@pytest.mark.parametrize(
    "pm, decline_code",
    [
        ("pm_card_chargeDeclined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ],
)
def test_confirm_declines(stripe_client, pm, decline_code):
    pi = stripe_client.v1.payment_intents.create({"amount": 5000, "currency": "inr"})
    with pytest.raises(stripe.CardError) as exc:
        stripe_client.v1.payment_intents.confirm(
            pi.id, {"return_url": RETURN, "payment_method": pm}
        )
    assert exc.value.http_status == 402 and exc.value.error.decline_code == decline_code
    assert exc.value.error.payment_intent.id == pi.id
    after = stripe_client.v1.payment_intents.retrieve(pi.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error.decline_code == decline_code
    retry = stripe_client.v1.payment_intents.confirm(
        pi.id, {"return_url": RETURN, "payment_method": "pm_card_visa"}
    )
    assert retry.status == "succeeded"


def test_cancel(stripe_client):
    pi = stripe_client.v1.payment_intents.create({"amount": 5000, "currency": "inr"})
    canceled = stripe_client.v1.payment_intents.cancel(pi.id, {"cancellation_reason": "abandoned"})
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    assert canceled.canceled_at is not None
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_intents.cancel(pi.id)
    assert exc.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payment_intents.confirm(
            pi.id, {"return_url": RETURN, "payment_method": "pm_card_visa"}
        )


def test_manual_capture(stripe_client):
    pi = stripe_client.v1.payment_intents.create(
        {
            "amount": 8000,
            "currency": "inr",
            "capture_method": "manual",
            "payment_method": "pm_card_visa",
            "confirm": True,
            "return_url": RETURN,
        }
    )
    assert (pi.status, pi.amount_capturable) == ("requires_capture", 8000)
    captured = stripe_client.v1.payment_intents.capture(pi.id)
    assert (captured.status, captured.amount_received) == ("succeeded", 8000)


def test_checkout_intent_cannot_be_canceled_directly(stripe_client, new_session):
    done = pay(stripe_client, new_session().id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_intents.cancel(done.payment_intent)
    assert "Checkout Session" in exc.value.user_message


@pytest.mark.parametrize(
    "params, param, code",
    [
        ({"amount": 49, "currency": "usd"}, "amount", "amount_too_small"),
        ({"amount": 100000000, "currency": "usd"}, "amount", "amount_too_large"),
        ({"amount": 5000}, "currency", "parameter_missing"),
        ({"currency": "usd"}, "amount", "parameter_missing"),
        ({"amount": 5000, "currency": "zzz"}, "currency", None),
        ({"amount": -5, "currency": "usd"}, "amount", "amount_too_small"),
    ],
)
def test_create_validation(stripe_client, params, param, code):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_intents.create(params)
    assert exc.value.param == param
    if code:
        assert exc.value.code == code


def test_unknown_payment_method(stripe_client):
    pi = stripe_client.v1.payment_intents.create({"amount": 5000, "currency": "inr"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_intents.confirm(
            pi.id, {"return_url": RETURN, "payment_method": "pm_nope"}
        )
    assert exc.value.http_status == 400 and exc.value.param == "payment_method"


def test_payment_method_is_retrievable_and_expandable(stripe_client):
    pi = stripe_client.v1.payment_intents.create(
        {
            "amount": 5000,
            "currency": "inr",
            "payment_method": "pm_card_amex",
            "confirm": True,
            "return_url": RETURN,
            "expand": ["payment_method"],
        }
    )
    pm = pi.payment_method
    assert pm.object == "payment_method" and pm.id.startswith("pm_")
    assert (pm.card.brand, pm.card.last4, pm.type) == ("amex", "0005", "card")
    got = stripe_client.v1.payment_methods.retrieve(pm.id)
    assert got.id == pm.id
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge)
    assert charge.payment_method == pm.id


def test_automatic_payment_methods_need_a_return_url(stripe_client):
    """Issue 13 item 6: refused as Stripe refuses it; nothing is charged."""
    pi = stripe_client.v1.payment_intents.create({"amount": 5000, "currency": "inr"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_intents.confirm(pi.id, {"payment_method": "pm_card_visa"})
    assert exc.value.http_status == 400
    assert exc.value.user_message.startswith("A `return_url` must be specified because this")
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payment_intents.create(
            {"amount": 5000, "currency": "inr", "payment_method": "pm_card_visa", "confirm": True}
        )
    after = stripe_client.v1.payment_intents.retrieve(pi.id)
    assert after.status == "requires_payment_method" and after.latest_charge is None
    for params in (
        {"automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}},
        {"payment_method_types": ["card"]},
    ):
        ok = stripe_client.v1.payment_intents.create(
            {"amount": 5000, "currency": "inr", "payment_method": "pm_card_visa", "confirm": True}
            | params
        )
        assert ok.status == "succeeded"
