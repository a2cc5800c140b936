"""Products and Prices: product or product_data, unit_amount or custom_unit_amount."""

from __future__ import annotations

import pytest
import stripe


def test_price_with_product_data(stripe_client):
    price = stripe_client.v1.prices.create(
        {
            "currency": "inr",
            "unit_amount": 150000,
            "product_data": {"name": "Lab fee"},
            "lookup_key": "lab",
            "metadata": {"dept": "chem"},
        }
    )
    assert price.id.startswith("price_") and price.type == "one_time" and price.active
    assert (price.unit_amount, str(price.unit_amount_decimal)) == (150000, "150000")
    product = stripe_client.v1.products.retrieve(price.product)
    assert product.name == "Lab fee" and product.object == "product"
    assert stripe_client.v1.prices.retrieve(price.id).lookup_key == "lab"


def test_price_for_existing_product(stripe_client):
    product = stripe_client.v1.products.create({"name": "Bus pass", "description": "Term"})
    price = stripe_client.v1.prices.create(
        {"currency": "usd", "unit_amount": 2500, "product": product.id}
    )
    assert price.product == product.id
    listed = stripe_client.v1.prices.list({"product": product.id})
    assert [p.id for p in listed.data] == [price.id]


def test_custom_unit_amount_price_in_a_session(stripe_client):
    price = stripe_client.v1.prices.create(
        {
            "currency": "inr",
            "product_data": {"name": "Donation"},
            "custom_unit_amount": {"enabled": True, "minimum": 10000, "preset": 50000},
        }
    )
    assert price.unit_amount is None
    assert price.custom_unit_amount.to_dict() == {
        "maximum": None,
        "minimum": 10000,
        "preset": 50000,
    }
    session = stripe_client.v1.checkout.sessions.create(
        {"mode": "payment", "line_items": [{"price": price.id, "quantity": 1}]}
    )
    assert session.amount_total == 50000


@pytest.mark.parametrize(
    "params, param",
    [
        ({"currency": "inr", "product_data": {"name": "x"}}, "unit_amount"),
        ({"unit_amount": 100, "product_data": {"name": "x"}}, "currency"),
        ({"currency": "inr", "unit_amount": 100}, "product"),
        ({"currency": "inr", "unit_amount": 100, "product": "prod_missing"}, "product"),
        (
            {"currency": "inr", "unit_amount": 100, "product_data": {"description": "d"}},
            "product_data[name]",
        ),
        (
            {
                "currency": "inr",
                "unit_amount": 100,
                "custom_unit_amount": {"enabled": True},
                "product_data": {"name": "x"},
            },
            "custom_unit_amount",
        ),
        (
            {
                "currency": "inr",
                "product_data": {"name": "x"},
                "custom_unit_amount": {"enabled": True, "minimum": 10},
            },
            "custom_unit_amount[minimum]",
        ),
        ({"currency": "inr", "unit_amount": -1, "product_data": {"name": "x"}}, "unit_amount"),
    ],
)
def test_price_validation(stripe_client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(params)
    assert exc.value.param == param


def test_inactive_price_cannot_be_sold(stripe_client):
    price = stripe_client.v1.prices.create(
        {"currency": "inr", "unit_amount": 5000, "product_data": {"name": "Old fee"}}
    )
    stripe_client.v1.prices.update(price.id, {"active": False})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.checkout.sessions.create(
            {"mode": "payment", "line_items": [{"price": price.id, "quantity": 1}]}
        )
    assert exc.value.param == "line_items[0][price]"


@pytest.mark.parametrize("text", ["nan", "inf", "-5", "1e400", "12.5", "1" * 13, "١٢"])
def test_bad_unit_amount_decimal(stripe_client, text):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(
            {"currency": "inr", "unit_amount_decimal": text, "product_data": {"name": "x"}}
        )
    assert exc.value.param == "unit_amount_decimal"


def test_whole_unit_amount_decimal(stripe_client):
    price = stripe_client.v1.prices.create(
        {"currency": "inr", "unit_amount_decimal": "12500.000", "product_data": {"name": "x"}}
    )
    assert price.unit_amount == 12500
