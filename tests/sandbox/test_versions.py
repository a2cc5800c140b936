"""Issue 13 item 5: Stripe-Version and webhook endpoint API versions, through the stripe
package. The sandbox serves one shape (its own version) to every version it accepts."""

from __future__ import annotations

import pytest
import stripe

from kiosk.sandbox import shapes
from tests.sandbox.conftest import API_KEY, Receiver, wait_for


def _client(url: str, version: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        API_KEY, base_addresses={"api": url}, max_network_retries=0, stripe_version=version
    )


@pytest.mark.parametrize("version", ["2099-01-01", "2019-2-19", "latest", "2026-10-28.endive x"])
def test_unknown_version_is_a_400(sandbox, version):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        _client(sandbox.url, version).v1.customers.list()
    assert exc.value.http_status == 400
    assert exc.value.user_message == f"Invalid Stripe API version: {version}"
    assert exc.value.json_body["error"]["type"] == "invalid_request_error"


def test_older_version_is_served_the_sandbox_shape(sandbox):
    customers = _client(sandbox.url, "2022-11-15").v1.customers.list({"limit": 1})
    assert customers.object == "list"
    assert customers.last_response.headers["stripe-version"] == "2022-11-15"


def test_endpoint_api_version_is_stored_shown_and_labels_payloads(fresh_client):
    pinned, default = Receiver(), Receiver()
    try:
        old = fresh_client.v1.webhook_endpoints.create(
            {"url": pinned.url, "enabled_events": ["customer.created"], "api_version": "2024-06-20"}
        )
        new = fresh_client.v1.webhook_endpoints.create(
            {"url": default.url, "enabled_events": ["customer.created"]}
        )
        assert old.api_version == "2024-06-20" and new.api_version is None
        assert fresh_client.v1.webhook_endpoints.retrieve(old.id).api_version == "2024-06-20"
        fresh_client.v1.customers.create({"email": "v@example.com"})
        [pinned_event] = wait_for(lambda: pinned.events("customer.created"), what="delivery")
        [default_event] = wait_for(lambda: default.events("customer.created"), what="delivery")
    finally:
        pinned.close()
        default.close()
    assert pinned_event["api_version"] == "2024-06-20"
    assert default_event["api_version"] == shapes.API_VERSION
    listed = fresh_client.v1.events.retrieve(pinned_event["id"])
    assert listed.api_version == shapes.API_VERSION  # the account's version when created


def test_endpoint_with_an_unknown_version_is_refused(fresh_client, receiver):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        fresh_client.v1.webhook_endpoints.create(
            {"url": receiver.url, "enabled_events": ["*"], "api_version": "2030-01-01"}
        )
    assert exc.value.param == "api_version"
