"""Events: newest first, type wildcards, types[], created ranges, paging, retrieve."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.conftest import pay


@pytest.fixture
def paid(fresh_client):
    s = fresh_client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 1000,
                        "product_data": {"name": "Fee"},
                    },
                    "quantity": 1,
                }
            ],
        }
    )
    with pytest.raises(stripe.CardError):
        pay(fresh_client, s.id, "4000000000000002")
    return pay(fresh_client, s.id)


def test_events_newest_first_and_shaped(fresh_client, paid):
    events = fresh_client.v1.events.list()
    types = [e.type for e in events.data]
    assert types == [
        "checkout.session.completed",
        "payment_intent.succeeded",
        "charge.succeeded",
        "payment_intent.payment_failed",
        "charge.failed",
        "payment_intent.created",
    ]
    top = events.data[0]
    assert top.id.startswith("evt_") and top.object == "event"
    assert top.api_version == "2026-10-28.endive" and top.livemode is False
    assert top.request.id.startswith("req_") and top.request.idempotency_key
    assert top.data.object.id == paid.id


def test_type_wildcard_and_types(fresh_client, paid):
    pis = fresh_client.v1.events.list({"type": "payment_intent.*"})
    assert [e.type for e in pis.data] == [
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.created",
    ]
    some = fresh_client.v1.events.list({"types": ["charge.failed", "charge.succeeded"]})
    assert [e.type for e in some.data] == ["charge.succeeded", "charge.failed"]
    with pytest.raises(stripe.InvalidRequestError):
        fresh_client.v1.events.list({"type": "charge.failed", "types": ["charge.failed"]})


def test_paging_both_ways(fresh_client, paid):
    all_ids = [e.id for e in fresh_client.v1.events.list({"limit": 100}).data]
    first = fresh_client.v1.events.list({"limit": 2})
    assert [e.id for e in first.data] == all_ids[:2] and first.has_more
    second = fresh_client.v1.events.list({"limit": 2, "starting_after": all_ids[1]})
    assert [e.id for e in second.data] == all_ids[2:4]
    before = fresh_client.v1.events.list({"limit": 2, "ending_before": all_ids[4]})
    assert [e.id for e in before.data] == all_ids[2:4] and before.has_more
    walked = [e.id for e in fresh_client.v1.events.list({"limit": 2}).auto_paging_iter()]
    assert walked == all_ids
    newer = list(
        fresh_client.v1.events.list({"limit": 1, "ending_before": all_ids[-1]}).auto_paging_iter()
    )
    assert [e.id for e in newer] == list(reversed(all_ids[:-1]))


def test_created_filters(fresh_client, paid):
    all_events = fresh_client.v1.events.list({"limit": 100}).data
    t = all_events[0].created
    assert len(fresh_client.v1.events.list({"created": {"gt": t}}).data) == 0
    assert len(fresh_client.v1.events.list({"created": {"lte": t}, "limit": 100}).data) == len(
        all_events
    )
    assert fresh_client.v1.events.list({"created": {"lt": t - 3600}}).data == []


def test_retrieve_and_missing(fresh_client, paid):
    top = fresh_client.v1.events.list({"limit": 1}).data[0]
    assert fresh_client.v1.events.retrieve(top.id).type == top.type
    with pytest.raises(stripe.InvalidRequestError) as exc:
        fresh_client.v1.events.retrieve("evt_missing")
    assert exc.value.http_status == 404


def test_bad_cursor_and_limit(fresh_client, paid):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        fresh_client.v1.events.list({"starting_after": "evt_nope"})
    assert exc.value.param == "starting_after"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        fresh_client.v1.events.list({"limit": 101})
    assert exc.value.param == "limit"


def test_events_older_than_30_days_are_gone(fresh_sandbox, fresh_client, paid):
    top = fresh_client.v1.events.list({"limit": 1}).data[0]
    with fresh_sandbox.engine.lock:  # stand-in for a month passing
        fresh_sandbox.engine.store.objects[top.id]["created"] -= 31 * 24 * 3600
    assert top.id not in [e.id for e in fresh_client.v1.events.list({"limit": 100}).data]
    with pytest.raises(stripe.InvalidRequestError):
        fresh_client.v1.events.retrieve(top.id)


def test_every_recorded_type_is_a_stripe_event_type(fresh_client, paid):
    from kiosk.sandbox.event_types import ALL

    pi = fresh_client.v1.payment_intents.retrieve(paid.payment_intent)
    refund = fresh_client.v1.refunds.create({"payment_intent": pi.id, "amount": 100})
    fresh_client.raw_request("post", f"/v1/test_helpers/refunds/{refund.id}/fail")
    cus = fresh_client.v1.customers.create({})
    fresh_client.v1.customers.update(cus.id, {"name": "x"})
    fresh_client.v1.customers.delete(cus.id)
    types = {e.type for e in fresh_client.v1.events.list({"limit": 100}).auto_paging_iter()}
    assert types <= ALL
    assert {"refund.failed", "charge.refund.updated", "customer.deleted"} <= types


def test_both_cursors_is_an_error(fresh_client, paid):
    ids = [e.id for e in fresh_client.v1.events.list().data]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        fresh_client.v1.events.list({"starting_after": ids[0], "ending_before": ids[-1]})
    assert "only specify one of" in exc.value.user_message
