"""Payment Links: create, retrieve, list, update/deactivate, limits, metadata to sessions."""

from __future__ import annotations

import pytest
import requests
import stripe

from tests.sandbox.conftest import pay


@pytest.fixture
def price(stripe_client):
    return stripe_client.v1.prices.create(
        {"currency": "inr", "unit_amount": 25000, "product_data": {"name": "Hostel fee"}}
    )


def _visit(link_url: str) -> requests.Response:
    return requests.get(link_url, allow_redirects=False, timeout=5)


def _session_from(resp: requests.Response) -> str:
    assert resp.status_code == 303
    return resp.headers["location"].rsplit("/", 1)[1]


def test_create_shape(stripe_client, sandbox, price):
    link = stripe_client.v1.payment_links.create(
        {
            "line_items": [{"price": price.id, "quantity": 2}],
            "metadata": {"fee_id": "H1"},
            "payment_intent_data": {"metadata": {"ledger": "L7"}},
            "restrictions": {"completed_sessions": {"limit": 3}},
            "after_completion": {
                "type": "redirect",
                "redirect": {"url": "https://kiosk.example/done/{CHECKOUT_SESSION_ID}"},
            },
            "inactive_message": "Closed for the term",
        }
    )
    assert link.id.startswith("plink_") and link.object == "payment_link" and link.active
    assert link.url == f"{sandbox.public_url}/link/{link.id}"
    assert link.restrictions.completed_sessions.to_dict() == {"count": 0, "limit": 3}
    assert link.payment_intent_data.metadata.to_dict() == {"ledger": "L7"}
    assert link.after_completion.type == "redirect" and link.currency == "inr"
    assert (
        stripe_client.v1.payment_links.retrieve(link.id).inactive_message == "Closed for the term"
    )
    items = stripe_client.v1.payment_links.line_items.list(link.id)
    assert items.data[0].quantity == 2 and items.data[0].amount_total == 50000


def test_visit_creates_session_with_link_metadata(stripe_client, price):
    link = stripe_client.v1.payment_links.create(
        {
            "line_items": [{"price": price.id, "quantity": 1}],
            "metadata": {"fee_id": "H2"},
            "payment_intent_data": {"metadata": {"ledger": "L8"}},
        }
    )
    sid = _session_from(_visit(link.url))
    session = stripe_client.v1.checkout.sessions.retrieve(sid)
    assert session.payment_link == link.id and session.metadata.to_dict() == {"fee_id": "H2"}
    assert session.amount_total == 25000
    done = pay(stripe_client, sid)
    pi = stripe_client.v1.payment_intents.retrieve(done.payment_intent)
    assert pi.metadata.to_dict() == {"ledger": "L8"}
    listed = stripe_client.v1.checkout.sessions.list({"payment_link": link.id})
    assert [s.id for s in listed.data] == [sid]


def test_deactivated_link_creates_nothing(stripe_client, price):
    link = stripe_client.v1.payment_links.create(
        {
            "line_items": [{"price": price.id, "quantity": 1}],
            "inactive_message": "Fees closed",
        }
    )
    off = stripe_client.v1.payment_links.update(link.id, {"active": False})
    assert off.active is False
    resp = _visit(link.url)
    assert resp.status_code == 200 and "Fees closed" in resp.text
    assert stripe_client.v1.checkout.sessions.list({"payment_link": link.id}).data == []
    updated = stripe_client.v1.events.list({"type": "payment_link.updated", "limit": 5}).data
    mine = next(e for e in updated if e.data.object.id == link.id)
    assert mine.data.previous_attributes.active is True


def test_completed_sessions_limit_is_enforced(stripe_client, price):
    link = stripe_client.v1.payment_links.create(
        {
            "line_items": [{"price": price.id, "quantity": 1}],
            "restrictions": {"completed_sessions": {"limit": 1}},
        }
    )
    first, second = _session_from(_visit(link.url)), _session_from(_visit(link.url))
    pay(stripe_client, first)
    assert (
        stripe_client.v1.payment_links.retrieve(link.id).restrictions.completed_sessions.count == 1
    )
    resp = _visit(link.url)
    assert resp.status_code == 200 and "no longer active" in resp.text
    with pytest.raises(stripe.InvalidRequestError):
        pay(stripe_client, second)
    assert len(stripe_client.v1.checkout.sessions.list({"payment_link": link.id}).data) == 2


def test_list_and_filter_active(stripe_client, price):
    a = stripe_client.v1.payment_links.create({"line_items": [{"price": price.id, "quantity": 1}]})
    stripe_client.v1.payment_links.update(a.id, {"active": False})
    inactive = stripe_client.v1.payment_links.list({"active": False, "limit": 100})
    assert a.id in [link.id for link in inactive.data]
    assert all(not link.active for link in inactive.data)


@pytest.mark.parametrize(
    "params, param",
    [
        ({"line_items": [{"price": "price_nope", "quantity": 1}]}, "line_items[0][price]"),
        ({"line_items": [{"quantity": 1}]}, "line_items[0][price]"),
        ({}, "line_items"),
        ({"after_completion": {"type": "redirect"}}, "after_completion[redirect][url]"),
    ],
)
def test_create_validation(stripe_client, price, params, param):
    params.setdefault("line_items", [{"price": price.id, "quantity": 1}]) if params else None
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_links.create(params)
    assert exc.value.param == param


def test_statement_descriptor_is_refused_for_card_links(stripe_client, price):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.payment_links.create(
            {
                "line_items": [{"price": price.id, "quantity": 1}],
                "payment_intent_data": {"statement_descriptor": "FEES"},
            }
        )
    assert exc.value.param == "payment_intent_data[statement_descriptor]"


def test_link_to_an_inactive_price_shows_an_error_page(stripe_client, price):
    link = stripe_client.v1.payment_links.create(
        {"line_items": [{"price": price.id, "quantity": 1}]}
    )
    stripe_client.v1.prices.update(price.id, {"active": False})
    resp = _visit(link.url)
    assert resp.status_code == 400 and "not active" in resp.text
    assert stripe_client.v1.checkout.sessions.list({"payment_link": link.id}).data == []


def test_link_deactivates_itself_at_its_limit(stripe_client, price):
    """Issue 13 item 11: "When the payment link reaches the limit, it automatically
    deactivates" (https://docs.stripe.com/payment-links/customize)."""
    link = stripe_client.v1.payment_links.create(
        {
            "line_items": [{"price": price.id, "quantity": 1}],
            "restrictions": {"completed_sessions": {"limit": 2}},
        }
    )
    pay(stripe_client, _session_from(_visit(link.url)))
    assert stripe_client.v1.payment_links.retrieve(link.id).active is True
    pay(stripe_client, _session_from(_visit(link.url)))
    after = stripe_client.v1.payment_links.retrieve(link.id)
    assert after.active is False and after.restrictions.completed_sessions.count == 2
    updates = stripe_client.v1.events.list({"type": "payment_link.updated", "limit": 10}).data
    mine = [e for e in updates if e.data.object.id == link.id]
    assert mine and mine[0].data.previous_attributes.to_dict() == {"active": True}
    assert link.id in [x.id for x in stripe_client.v1.payment_links.list({"active": False}).data]
