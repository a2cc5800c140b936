"""Checkout Sessions: create, retrieve with expand, list filters, line items, expire."""

from __future__ import annotations

import time

import pytest
import stripe

from tests.sandbox.conftest import pay


def test_create_shape(new_session, sandbox):
    s = new_session(client_reference_id="fee-17", metadata={"student": "42"})
    assert s.id.startswith("cs_test_") and s.object == "checkout.session"
    assert (s.status, s.payment_status, s.mode) == ("open", "unpaid", "payment")
    assert s.payment_intent is None
    assert s.amount_total == 50000 and s.amount_subtotal == 50000 and s.currency == "inr"
    assert s.url == f"{sandbox.public_url}/checkout/{s.id}"
    assert s.client_reference_id == "fee-17" and s.metadata.to_dict() == {"student": "42"}
    assert s.success_url == "https://kiosk.example/paid?session={CHECKOUT_SESSION_ID}"
    assert 86400 - 5 <= s.expires_at - s.created <= 86400
    assert "line_items" not in s


def test_create_with_price_and_customer(stripe_client, new_session):
    price = stripe_client.v1.prices.create(
        {"currency": "inr", "unit_amount": 1500, "product_data": {"name": "Library fine"}}
    )
    cus = stripe_client.v1.customers.create({"email": "c@example.edu"})
    s = new_session(line_items=[{"price": price.id, "quantity": 3}], customer=cus.id)
    assert s.amount_total == 4500 and s.customer == cus.id


def test_retrieve_expands_line_items_and_payment_intent(stripe_client, new_session):
    s = new_session(payment_intent_data={"metadata": {"fee_id": "F9"}}, metadata={"m": "1"})
    got = stripe_client.v1.checkout.sessions.retrieve(s.id, {"expand": ["line_items"]})
    item = got.line_items.data[0]
    assert item.object == "item" and item.id.startswith("li_")
    assert (item.description, item.quantity, item.amount_total) == ("Tuition fee", 1, 50000)
    assert item.price.object == "price" and item.price.unit_amount == 50000
    pay(stripe_client, s.id)
    paid = stripe_client.v1.checkout.sessions.retrieve(s.id, {"expand": ["payment_intent"]})
    pi = paid.payment_intent
    assert pi.object == "payment_intent" and pi.status == "succeeded"
    assert pi.metadata.to_dict() == {"fee_id": "F9"}  # session metadata is not copied
    assert pi.amount_received == 50000


def test_list_line_items(stripe_client, new_session):
    items = [
        {
            "price_data": {
                "currency": "inr",
                "unit_amount": 10000 * (n + 1),
                "product_data": {"name": f"Fee {n}"},
            },
            "quantity": 1,
        }
        for n in range(3)
    ]
    s = new_session(line_items=items)
    first = stripe_client.v1.checkout.sessions.line_items.list(s.id, {"limit": 2})
    assert [i.description for i in first.data] == ["Fee 0", "Fee 1"] and first.has_more
    every = list(
        stripe_client.v1.checkout.sessions.line_items.list(s.id, {"limit": 1}).auto_paging_iter()
    )
    assert [i.description for i in every] == ["Fee 0", "Fee 1", "Fee 2"]


def test_expire_only_while_open(stripe_client, new_session):
    s = new_session()
    expired = stripe_client.v1.checkout.sessions.expire(s.id)
    assert expired.status == "expired" and expired.url is None
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.checkout.sessions.expire(s.id)
    assert exc.value.http_status == 400
    assert exc.value.user_message == (
        'Only Checkout Sessions with a status in ["open"] can be expired. '
        "This Checkout Session has a status of `expired`."
    )
    events = stripe_client.v1.events.list({"type": "checkout.session.expired", "limit": 5})
    assert any(e.data.object.id == s.id for e in events.data)


def test_expire_now_helper_and_paying_expired_fails(stripe_client, new_session):
    s = new_session()
    resp = stripe_client.raw_request(
        "post", f"/v1/test_helpers/checkout/sessions/{s.id}/expire_now"
    )
    after = stripe_client.deserialize(resp, api_mode="V1")
    assert after.status == "expired" and after.expires_at <= int(time.time())
    with pytest.raises(stripe.InvalidRequestError):
        pay(stripe_client, s.id)


def test_list_filters(stripe_client, new_session):
    cus = stripe_client.v1.customers.create({"email": "list@example.edu"})
    a = new_session(customer=cus.id)
    b = new_session(customer=cus.id)
    paid = pay(stripe_client, b.id)
    by_customer = stripe_client.v1.checkout.sessions.list({"customer": cus.id})
    assert [s.id for s in by_customer.data] == [b.id, a.id]
    by_pi = stripe_client.v1.checkout.sessions.list({"payment_intent": paid.payment_intent})
    assert [s.id for s in by_pi.data] == [b.id]
    complete = stripe_client.v1.checkout.sessions.list({"status": "complete", "customer": cus.id})
    assert [s.id for s in complete.data] == [b.id]
    since = stripe_client.v1.checkout.sessions.list(
        {"created": {"gte": a.created}, "customer": cus.id, "limit": 1}
    )
    assert since.has_more and since.data[0].id == b.id


@pytest.mark.parametrize(
    "overrides, param, fragment",
    [
        (
            {"customer_email": "x@y.z", "customer": "cus_x"},
            "customer_email",
            "only specify one of these parameters: customer, customer_email",
        ),
        (
            {
                "line_items": [
                    {
                        "price_data": {
                            "currency": "inr",
                            "unit_amount": 49,
                            "product_data": {"name": "x"},
                        },
                        "quantity": 1,
                    }
                ]
            },
            "line_items",
            "at least ₹0.50 inr",
        ),
        (
            {
                "line_items": [
                    {
                        "price_data": {
                            "currency": "xyz",
                            "unit_amount": 5000,
                            "product_data": {"name": "x"},
                        },
                        "quantity": 1,
                    }
                ]
            },
            "line_items[0][price_data][currency]",
            "Invalid currency",
        ),
        (
            {
                "line_items": [
                    {
                        "price_data": {
                            "currency": "inr",
                            "unit_amount": 100000000,
                            "product_data": {"name": "x"},
                        },
                        "quantity": 1,
                    }
                ]
            },
            "line_items[0][price_data][unit_amount]",
            "no more than",
        ),
        (
            {
                "line_items": [
                    {
                        "price_data": {
                            "currency": "inr",
                            "unit_amount": 5000,
                            "product_data": {"name": "a"},
                        },
                        "quantity": 1,
                    },
                    {
                        "price_data": {
                            "currency": "usd",
                            "unit_amount": 5000,
                            "product_data": {"name": "b"},
                        },
                        "quantity": 1,
                    },
                ]
            },
            "line_items",
            "same currency",
        ),
        ({"line_items": []}, "line_items", "Missing required param"),
        (
            {
                "line_items": [
                    {
                        "price_data": {
                            "currency": "inr",
                            "unit_amount": 5000,
                            "product_data": {"name": "x"},
                        }
                    }
                ]
            },
            "line_items[0][quantity]",
            "Missing required param",
        ),
        (
            {"line_items": [{"price": "price_missing", "quantity": 1}]},
            "line_items[0][price]",
            "No such price",
        ),
        ({"expires_at": int(time.time()) + 25 * 3600}, "expires_at", "less than 24 hours"),
        ({"expires_at": int(time.time()) + 600}, "expires_at", "at least 30 minutes"),
        ({"mode": "subscription"}, "mode", "mode=payment"),
        ({"mode": "bogus"}, "mode", "must be one of payment, setup, or subscription"),
        ({"success_url": "not a url"}, "success_url", "Not a valid URL"),
        (
            {
                "line_items": [
                    {
                        "price_data": {
                            "currency": "inr",
                            "unit_amount": "12.5",
                            "product_data": {"name": "x"},
                        },
                        "quantity": 1,
                    }
                ]
            },
            "line_items[0][price_data][unit_amount]",
            "Invalid integer: 12.5",
        ),
    ],
)
def test_create_validation(new_session, overrides, param, fragment):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        new_session(**overrides)
    assert exc.value.http_status in (400, 404)
    assert exc.value.param == param
    assert fragment in exc.value.user_message


def test_zero_decimal_currency_is_not_scaled(new_session):
    s = new_session(
        line_items=[
            {
                "price_data": {
                    "currency": "jpy",
                    "unit_amount": 500,
                    "product_data": {"name": "Fee"},
                },
                "quantity": 2,
            }
        ]
    )
    assert (s.amount_total, s.currency) == (1000, "jpy")


def test_expires_at_within_bounds(new_session):
    at = int(time.time()) + 3600
    assert new_session(expires_at=at).expires_at == at


def test_failed_create_changes_nothing(stripe_client, new_session):
    before = stripe_client.v1.products.list({"limit": 1}).data
    with pytest.raises(stripe.InvalidRequestError):
        new_session(
            line_items=[
                {
                    "price_data": {
                        "currency": "inr",
                        "unit_amount": 10,
                        "product_data": {"name": "tiny"},
                    },
                    "quantity": 1,
                }
            ]
        )
    after = stripe_client.v1.products.list({"limit": 1}).data
    assert [p.id for p in after] == [p.id for p in before]


def test_sessions_expire_by_themselves_when_expires_at_passes(receiver):
    from kiosk.sandbox import start_sandbox
    from tests.sandbox.conftest import make_client, wait_for

    with start_sandbox(expiry_sweep_interval=0.05) as sb:
        client = make_client(sb.url)
        client.v1.webhook_endpoints.create(
            {"url": receiver.url, "enabled_events": ["checkout.session.expired"]}
        )
        s = client.v1.checkout.sessions.create(
            {
                "mode": "payment",
                # the minimum is 30 minutes from creation: a margin for a slow second
                "expires_at": int(time.time()) + 1860,
                "line_items": [
                    {
                        "price_data": {
                            "currency": "inr",
                            "unit_amount": 5000,
                            "product_data": {"name": "Fee"},
                        },
                        "quantity": 1,
                    }
                ],
            }
        )
        with sb.engine.lock:  # stand-in for 30 minutes passing
            sb.engine.store.objects[s.id]["expires_at"] = int(time.time()) - 1
        hooks = wait_for(lambda: receiver.events("checkout.session.expired"), what="expiry")
        assert hooks[0]["data"]["object"]["id"] == s.id
        assert hooks[0]["request"] == {"id": None, "idempotency_key": None}
        assert client.v1.checkout.sessions.retrieve(s.id).status == "expired"


def test_nested_and_list_expansions(stripe_client, new_session):
    s = new_session()
    pay(stripe_client, s.id)
    got = stripe_client.v1.checkout.sessions.retrieve(
        s.id, {"expand": ["line_items.data.price.product", "payment_intent.latest_charge"]}
    )
    assert got.line_items.data[0].price.product.name == "Tuition fee"
    assert got.payment_intent.latest_charge.object == "charge"
    listed = stripe_client.v1.checkout.sessions.list(
        {"payment_intent": got.payment_intent.id, "expand": ["data.payment_intent"]}
    )
    assert listed.data[0].payment_intent.status == "succeeded"


def test_statement_descriptor_is_refused_for_cards(new_session):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        new_session(payment_intent_data={"statement_descriptor": "FEES"})
    assert exc.value.param == "payment_intent_data[statement_descriptor]"


def test_url_encoded_template_is_not_substituted(stripe_client, new_session):
    import requests

    s = new_session(success_url="https://kiosk.example/ok?cs=%7BCHECKOUT_SESSION_ID%7D")
    form = {"email": "a@b.c", "card_number": "4242424242424242", "exp": "1234", "cvc": "123"}
    resp = requests.post(s.url, data=form, allow_redirects=False, timeout=5)
    assert resp.headers["location"] == "https://kiosk.example/ok?cs=%7BCHECKOUT_SESSION_ID%7D"
