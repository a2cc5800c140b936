"""Fidelity: objects carry every top-level field of Stripe's example object (fixtures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.sandbox import shapes
from tests.sandbox.conftest import pay

# Stripe's own example objects (MIT, see fixtures/LICENSE), shipped with the tests.
FIXTURES = Path(__file__).with_name("fixtures") / "stripe_fixtures.json"
RESOURCES = [
    "payment_method",
    "checkout.session",
    "charge",
    "payment_intent",
    "refund",
    "event",
    "webhook_endpoint",
    "customer",
    "price",
    "product",
    "payment_link",
    "item",
]


@pytest.fixture(scope="module")
def objects(stripe_client, sandbox):
    c = stripe_client
    price = c.v1.prices.create(
        {"currency": "inr", "unit_amount": 9000, "product_data": {"name": "Shape fee"}}
    )
    link = c.v1.payment_links.create({"line_items": [{"price": price.id, "quantity": 1}]})
    session = c.v1.checkout.sessions.create(
        {"mode": "payment", "line_items": [{"price": price.id, "quantity": 1}]}
    )
    paid = pay(c, session.id)
    pi = c.v1.payment_intents.retrieve(paid.payment_intent)
    endpoint = c.v1.webhook_endpoints.create(
        {"url": "http://127.0.0.1:9/none", "enabled_events": ["product.created"]}
    )
    found = {
        "checkout.session": c.v1.checkout.sessions.retrieve(session.id),
        "charge": c.v1.charges.retrieve(pi.latest_charge),
        "payment_intent": pi,
        "refund": c.v1.refunds.create({"payment_intent": pi.id, "amount": 100}),
        "event": c.v1.events.list({"limit": 1}).data[0],
        "webhook_endpoint": c.v1.webhook_endpoints.retrieve(endpoint.id),
        "customer": c.v1.customers.create({}),
        "price": price,
        "product": c.v1.products.retrieve(price.product),
        "payment_link": link,
        "item": c.v1.checkout.sessions.line_items.list(session.id).data[0],
        "payment_method": c.v1.payment_methods.retrieve(
            c.v1.charges.retrieve(pi.latest_charge).payment_method
        ),
    }
    c.v1.webhook_endpoints.delete(endpoint.id)
    return found


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_fixture_field_is_present(objects, resource):
    obj = objects[resource]
    assert obj.object == resource
    # `charge.refunds` is only there when expanded (API 2022-11-15 and later).
    expand_only = {"charge": {"refunds"}}.get(resource, set())
    missing = set(shapes.fields(resource)) - set(obj.to_dict()) - expand_only
    assert not missing


def test_shapes_cover_stripes_fixtures():
    fixtures = json.loads(FIXTURES.read_text(encoding="utf-8"))["resources"]
    for resource in RESOURCES:
        assert set(fixtures[resource]) <= set(shapes.fields(resource)), resource


def test_api_version_is_the_sdks():
    import stripe

    assert shapes.API_VERSION == stripe.api_version == "2026-10-28.endive"


def test_nulls_until_known(new_session):
    s = new_session()
    assert s.payment_intent is None and s.customer_details is None and s.invoice is None
    assert s.livemode is False and s.ui_mode == "hosted_page"
