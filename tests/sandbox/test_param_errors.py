"""Issue 13 items 2–4: parameter errors as Stripe reports them, through the stripe package."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.conftest import pay

INR_ITEM = {
    "price_data": {"currency": "inr", "unit_amount": 50000, "product_data": {"name": "Fee"}},
    "quantity": 1,
}


def _error(excinfo: pytest.ExceptionInfo[stripe.StripeError]) -> dict:
    return excinfo.value.json_body["error"]


@pytest.mark.parametrize(
    ("call", "param", "message"),
    [
        (
            lambda c: c.v1.checkout.sessions.create(
                {"mode": "payment", "line_items": [{"price": "price_nope", "quantity": 1}]}
            ),
            "line_items[0][price]",
            "No such price: 'price_nope'",
        ),
        (
            lambda c: c.v1.checkout.sessions.create(
                {"mode": "payment", "line_items": [INR_ITEM], "customer": "cus_nope"}
            ),
            "customer",
            "No such customer: 'cus_nope'",
        ),
        (
            lambda c: c.v1.payment_intents.create(
                {"amount": 5000, "currency": "inr", "customer": "cus_nope"}
            ),
            "customer",
            "No such customer: 'cus_nope'",
        ),
        (
            lambda c: c.v1.refunds.create({"charge": "ch_nope"}),
            "charge",
            "No such charge: 'ch_nope'",
        ),
        (
            lambda c: c.v1.refunds.create({"payment_intent": "pi_nope"}),
            "payment_intent",
            "No such payment_intent: 'pi_nope'",
        ),
    ],
)
def test_missing_object_in_params_is_a_400_resource_missing(stripe_client, call, param, message):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        call(stripe_client)
    assert exc.value.http_status == 400
    err = _error(exc)
    assert err["type"] == "invalid_request_error"
    assert (err["code"], err["param"], err["message"]) == ("resource_missing", param, message)
    assert err["doc_url"] == "https://stripe.com/docs/error-codes/resource-missing"


def test_missing_object_in_the_url_stays_a_404(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.retrieve("cus_nope")
    assert exc.value.http_status == 404 and exc.value.code == "resource_missing"


def test_empty_string_for_an_id_param_is_a_400(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.checkout.sessions.create(
            {"mode": "payment", "line_items": [INR_ITEM], "customer": ""}
        )
    err = _error(exc)
    assert exc.value.http_status == 400 and err["param"] == "customer"
    assert err["code"] == "parameter_invalid_empty"
    assert err["message"] == (
        "You passed an empty string for 'customer'. We assume empty values are an attempt to "
        "unset a parameter; however 'customer' cannot be unset. You should remove 'customer' "
        "from your request or supply a non-empty value."
    )


def test_empty_string_for_a_number_is_a_400(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_intents.create({"amount": "", "currency": "inr"})
    assert _error(exc)["code"] == "parameter_invalid_empty"
    assert exc.value.param == "amount"


def test_empty_metadata_value_unsets_the_key(stripe_client):
    customer = stripe_client.v1.customers.create({"metadata": {"a": "1", "b": "2"}})
    updated = stripe_client.v1.customers.update(customer.id, {"metadata": {"a": ""}})
    assert updated.metadata.to_dict() == {"b": "2"}


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"amount": "lots", "currency": "inr"}, "parameter_invalid_integer", "amount"),
        (
            {"amount": 5000, "currency": "inr", "confirm": "maybe"},
            "parameter_invalid_boolean",
            "confirm",
        ),
        ({"amount": 5000, "currency": "inr", "colour": "red"}, "parameter_unknown", "colour"),
        ({"currency": "inr"}, "parameter_missing", "amount"),
    ],
)
def test_type_errors_carry_stripes_codes_and_doc_url(stripe_client, params, code, param):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_intents.create(params)
    err = _error(exc)
    assert (err["code"], err["param"]) == (code, param)
    assert err["doc_url"] == "https://stripe.com/docs/error-codes/" + code.replace("_", "-")


def test_over_refunds_carry_stripes_codes(stripe_client, new_session):
    session = pay(stripe_client, new_session().id)
    pi = session.payment_intent
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create({"payment_intent": pi, "amount": 50001})
    err = _error(exc)
    assert (err["code"], err["param"]) == ("amount_too_large", "amount")
    assert err["message"].startswith("Refund amount (₹500.01) is greater than unrefunded amount")
    stripe_client.v1.refunds.create({"payment_intent": pi})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create({"payment_intent": pi, "amount": 100})
    assert _error(exc)["code"] == "charge_already_refunded"
    assert _error(exc)["doc_url"].endswith("/charge-already-refunded")
