"""Issue 13 items 7 and 8: a declined Checkout Session already has its PaymentIntent, and
the decline carries the whole PaymentMethod, through the stripe package."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.conftest import pay

PM_CARD_FIELDS = {
    "brand",
    "checks",
    "country",
    "display_brand",
    "exp_month",
    "exp_year",
    "fingerprint",
    "funding",
    "generated_from",
    "last4",
    "networks",
    "regulated_status",
    "three_d_secure_usage",
    "wallet",
}


@pytest.fixture
def declined(stripe_client, new_session):
    session = new_session()
    with pytest.raises(stripe.CardError) as exc:
        pay(stripe_client, session.id, "4000000000000002")
    return session, exc.value


def test_declined_session_already_has_its_payment_intent(stripe_client, declined):
    session, _ = declined
    after = stripe_client.v1.checkout.sessions.retrieve(session.id)
    assert after.status == "open" and after.payment_intent
    found = stripe_client.v1.checkout.sessions.list({"payment_intent": after.payment_intent})
    assert [s.id for s in found.data] == [session.id]
    paid = pay(stripe_client, session.id)  # the retry uses the same PaymentIntent
    assert paid.payment_intent == after.payment_intent and paid.payment_status == "paid"


def test_decline_carries_the_whole_payment_method(stripe_client, declined):
    _, error = declined
    pm = error.json_body["error"]["payment_method"]
    stored = stripe_client.v1.payment_methods.retrieve(pm["id"]).to_dict()
    assert pm == stored and pm["object"] == "payment_method" and pm["type"] == "card"
    assert set(pm["card"]) >= PM_CARD_FIELDS and pm["card"]["last4"] == "0002"
    assert {"allow_redisplay", "billing_details", "created", "customer", "livemode"} <= set(pm)
    assert error.json_body["error"]["doc_url"].endswith("/card-declined")
    pi = stripe_client.v1.payment_intents.retrieve(error.json_body["error"]["payment_intent"]["id"])
    assert pi.last_payment_error.payment_method.to_dict() == stored
    assert "allowed_payment_method_types" in pi and pi.allowed_payment_method_types is None
    assert "payment_record" in pi and pi.payment_record is None


def test_product_has_tax_details(stripe_client):
    price = stripe_client.v1.prices.create(
        {"currency": "inr", "unit_amount": 100, "product_data": {"name": "Form fee"}}
    )
    product = stripe_client.v1.products.retrieve(price.product)
    assert "tax_details" in product and product.tax_details is None
