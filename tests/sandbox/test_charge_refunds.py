"""Issue 13 item 1: `charge.refunds` only when expanded (API 2022-11-15); the charge's
refunds list endpoint, paginated, through the stripe package."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.conftest import pay


@pytest.fixture
def refunded(stripe_client, new_session):
    pi = pay(stripe_client, new_session().id).payment_intent
    made = [
        stripe_client.v1.refunds.create({"payment_intent": pi, "amount": 100}) for _ in range(3)
    ]
    return stripe_client.v1.payment_intents.retrieve(pi).latest_charge, [r.id for r in made]


def test_charge_has_no_refunds_unless_expanded(stripe_client, refunded):
    charge_id, made = refunded
    assert "refunds" not in stripe_client.v1.charges.retrieve(charge_id).to_dict()
    listed = stripe_client.v1.charges.list({"limit": 3}).data
    assert all("refunds" not in c.to_dict() for c in listed)
    expanded = stripe_client.v1.charges.retrieve(charge_id, {"expand": ["refunds"]})
    assert [r.id for r in expanded.refunds.data] == made[::-1]
    assert expanded.refunds.url == f"/v1/charges/{charge_id}/refunds"


def test_charge_refunds_endpoint_pages(stripe_client, refunded):
    charge_id, made = refunded
    # StripeClient has no service for this path; raw_request goes through the same client
    first = stripe_client.deserialize(
        stripe_client.raw_request("get", f"/v1/charges/{charge_id}/refunds", limit=2),
        api_mode="V1",
    )
    assert [r.id for r in first.data] == made[:0:-1] and first.has_more
    rest = stripe_client.deserialize(
        stripe_client.raw_request(
            "get", f"/v1/charges/{charge_id}/refunds", limit=2, starting_after=first.data[-1].id
        ),
        api_mode="V1",
    )
    assert [r.id for r in rest.data] == made[:1] and not rest.has_more
    one = stripe_client.deserialize(
        stripe_client.raw_request("get", f"/v1/charges/{charge_id}/refunds/{made[0]}"),
        api_mode="V1",
    )
    assert one.id == made[0] and one.object == "refund"


def test_refunds_list_of_a_missing_charge_is_404(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.raw_request("get", "/v1/charges/ch_nope/refunds")
    assert exc.value.http_status == 404 and exc.value.code == "resource_missing"
