"""Auth and error shapes through the stripe package."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.conftest import make_client


@pytest.mark.parametrize("key", ["sk_test_abc", "rk_test_abc"])
def test_test_keys_are_accepted(sandbox, key):
    client = make_client(sandbox.url, key)
    assert client.v1.customers.list().object == "list"


@pytest.mark.parametrize("key", ["sk_live_abc", "pk_test_abc", "nonsense", "rk_live_x"])
def test_other_keys_get_401(sandbox, key):
    client = make_client(sandbox.url, key)
    with pytest.raises(stripe.AuthenticationError) as exc:
        client.v1.customers.list()
    assert exc.value.http_status == 401
    assert "Invalid API Key provided" in exc.value.user_message
    assert key not in exc.value.user_message or len(key) <= 12


def test_basic_auth_is_accepted(sandbox):
    import requests

    resp = requests.get(f"{sandbox.url}/v1/customers", auth=("sk_test_basic", ""), timeout=5)
    assert resp.status_code == 200
    assert resp.json()["object"] == "list"


def test_missing_key_is_401_json(sandbox):
    import requests

    resp = requests.get(f"{sandbox.url}/v1/customers", timeout=5)
    assert resp.status_code == 401
    assert resp.json()["error"]["type"] == "invalid_request_error"
    assert "did not provide an API key" in resp.json()["error"]["message"]


def test_unknown_id_is_404_resource_missing(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.retrieve("cus_nope")
    assert exc.value.http_status == 404
    assert exc.value.code == "resource_missing"
    assert exc.value.user_message == "No such customer: 'cus_nope'"
    assert exc.value.request_id.startswith("req_")


def test_unknown_url_is_404_json(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.raw_request("get", "/v1/no_such_thing")
    assert exc.value.http_status == 404
    assert "Unrecognized request URL (GET: /v1/no_such_thing)" in exc.value.user_message


def test_unknown_parameter_names_param(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create({"email": "a@b.c", "colour": "red"})  # type: ignore
    assert exc.value.param == "colour"
    assert exc.value.user_message == "Received unknown parameter: colour"
