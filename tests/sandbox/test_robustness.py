"""Hostile and malformed input: always a Stripe-shaped 4xx, never a 500, never a state change.

Raw bodies go through the stripe package's own HTTP client (stripe.RequestsClient), since
the typed services cannot send malformed forms.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.conftest import API_KEY

HTTP = stripe.RequestsClient()
AUTH = {"Authorization": f"Bearer {API_KEY}"}
FORM = {**AUTH, "Content-Type": "application/x-www-form-urlencoded"}


def raw(
    sandbox,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    content, status, _ = HTTP.request(method, sandbox.url + path, headers or FORM, body)
    return status, json.loads(content)


def state(sandbox) -> tuple[int, int, str]:
    """Object and order counts, and a digest of every object's content."""
    import hashlib

    store = sandbox.engine.store
    with store.lock:
        digest = hashlib.sha256(json.dumps(store.snapshot(), sort_keys=True).encode())
        return len(store.objects), sum(len(v) for v in store.order.values()), digest.hexdigest()


def assert_stripe_4xx(status: int, body: dict[str, Any], expected: int = 400) -> None:
    assert status == expected, body
    assert body["error"]["type"] in ("invalid_request_error", "idempotency_error")
    assert body["error"]["message"]


@pytest.mark.parametrize(
    "body, fragment",
    [
        (b"\xff\xfe=1", "UTF-8"),
        (b"email=a&metadata[a=1", "Invalid parameter name"),
        (b"metadata=1&metadata[a]=2", "both as a value and as a hash"),
        (b"metadata[a]=1&metadata=2", "both as a value and as a hash"),
        (b"metadata[a][b][c][d][e][f][g]=1", "nested more than"),
        (b"metadata[k]=v&" + b"&".join(b"x%d=1" % i for i in range(2100)), "Too many"),
        (b"line_items[99999][price]=p", "Invalid array index"),
        (b"[x]=1", "Invalid parameter name"),
    ],
)
def test_malformed_forms(sandbox, body, fragment):
    before = state(sandbox)
    status, err = raw(sandbox, "post", "/v1/customers", body)
    assert_stripe_4xx(status, err)
    assert fragment in err["error"]["message"]
    assert state(sandbox) == before


def test_json_body_is_rejected(sandbox):
    before = state(sandbox)
    status, err = raw(
        sandbox,
        "post",
        "/v1/customers",
        b'{"email": "a@b.c"}',
        {**AUTH, "Content-Type": "application/json"},
    )
    assert_stripe_4xx(status, err)
    assert state(sandbox) == before


@pytest.mark.parametrize("megabytes", [3, 12])
def test_multi_megabyte_body(stripe_client, sandbox, megabytes):
    before = state(sandbox)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create({"description": "x" * (megabytes * 1024 * 1024)})
    assert exc.value.http_status == 400 and "too large" in exc.value.user_message
    assert state(sandbox) == before


def test_huge_query_string(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.list({"email": "x" * 50_000})  # under the HTTP parser limit
    assert exc.value.http_status == 400


@pytest.mark.parametrize(
    "params, param",
    [
        (
            {
                "line_items": [
                    {
                        "price_data": {
                            "currency": "inr",
                            "unit_amount": 5000,
                            "product_data": {"name": "x", "colour": "red"},
                        },
                        "quantity": 1,
                    }
                ]
            },
            "line_items[0][price_data][product_data][colour]",
        ),
        ({"line_items": "everything"}, "line_items"),
        ({"line_items": [{"price_data": "cheap", "quantity": 1}]}, "line_items[0][price_data]"),
        ({"line_items": [{"price": "p", "quantity": {"a": "1"}}]}, "line_items[0][quantity]"),
        ({"metadata": {"a": {"b": "c"}}}, "metadata[a]"),
        ({"expires_at": "tomorrow"}, "expires_at"),
        ({"expires_at": "¹²³"}, "expires_at"),
        ({"expires_at": "١٢٣"}, "expires_at"),
        ({"customer_email": ["a@b.c"]}, "customer_email"),
        ({"expand": "line_items"}, "expand"),
        ({"expand": ["nothing_here"]}, "expand"),
        ({"expand": ["a.b.c.d.e"]}, "expand"),
        ({"allow_promotion_codes": "maybe"}, "allow_promotion_codes"),
    ],
)
def test_wrong_types_and_unknowns_in_session_create(stripe_client, sandbox, params, param):
    base: dict[str, Any] = {
        "mode": "payment",
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
    before = state(sandbox)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.raw_request("post", "/v1/checkout/sessions", **{**base, **params})
    assert exc.value.http_status == 400 and exc.value.param == param
    assert state(sandbox) == before


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/v1/checkout/sessions/cs_test_missing"),
        ("get", "/v1/checkout/sessions/cs_test_missing/line_items"),
        ("post", "/v1/checkout/sessions/cs_test_missing/expire"),
        ("post", "/v1/test_helpers/checkout/sessions/cs_test_missing/pay"),
        ("post", "/v1/test_helpers/checkout/sessions/cs_test_missing/expire_now"),
        ("get", "/v1/payment_links/plink_missing"),
        ("get", "/v1/payment_intents/pi_missing"),
        ("get", "/v1/charges/ch_missing"),
        ("get", "/v1/refunds/re_missing"),
        ("get", "/v1/prices/price_missing"),
        ("get", "/v1/products/prod_missing"),
        ("get", "/v1/events/evt_missing"),
        ("delete", "/v1/webhook_endpoints/we_missing"),
        ("post", "/v1/test_helpers/refunds/re_missing/fail"),
    ],
)
def test_unknown_ids_are_404(stripe_client, method, path):
    params = {"card_number": "4242424242424242"} if path.endswith("/pay") else {}
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.raw_request(method, path, **params)
    assert exc.value.http_status == 404 and exc.value.code == "resource_missing"


def test_object_of_another_kind_is_404(stripe_client):
    cus = stripe_client.v1.customers.create({})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.checkout.sessions.retrieve(cus.id)
    assert exc.value.http_status == 404


@pytest.mark.parametrize(
    "method, path",
    [
        ("delete", "/v1/checkout/sessions"),
        ("put", "/v1/customers"),
        ("patch", "/v1/checkout/sessions/cs_x"),
        ("get", "/v1/checkout/sessions/cs_x/expire"),
        ("delete", "/v1/events/evt_x"),
        ("post", "/v1/events"),
        ("get", "/v1/"),
        ("get", "/v1"),
    ],
)
def test_wrong_methods_are_json_404(sandbox, method, path):
    before = state(sandbox)
    status, body = raw(sandbox, method, path, b"" if method != "get" else None)
    assert status == 404 and "Unrecognized request URL" in body["error"]["message"]
    assert state(sandbox) == before


def test_unknown_non_api_path_is_json_404(sandbox):
    status, body = raw(sandbox, "get", "/nowhere", None, AUTH)
    assert status == 404 and body["error"]["type"] == "invalid_request_error"


_names = st.text(alphabet="abcdefghij_[]0123456789", min_size=1, max_size=30)
_values = st.one_of(st.text(max_size=40), st.integers().map(str), st.just(""))
_forms = st.dictionaries(_names, _values, max_size=8)
_paths = st.sampled_from(
    [
        "/v1/customers",
        "/v1/checkout/sessions",
        "/v1/payment_links",
        "/v1/prices",
        "/v1/products",
        "/v1/payment_intents",
        "/v1/refunds",
        "/v1/webhook_endpoints",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=_paths, form=_forms)
def test_fuzzed_creates_never_500(fresh_sandbox, path, form):
    from urllib.parse import urlencode

    before = state(fresh_sandbox)
    status, body = raw(fresh_sandbox, "post", path, urlencode(form))
    assert status in (200, 400, 404), body
    if status != 200:
        assert set(body) == {"error"} and body["error"]["message"]
        assert state(fresh_sandbox) == before


_segment = st.sampled_from(
    [
        "line_items",
        "0",
        "1",
        "price_data",
        "product_data",
        "name",
        "currency",
        "unit_amount",
        "quantity",
        "metadata",
        "expand",
        "",
        "mode",
        "price",
        "payment_intent_data",
        "x",
        "unit_amount_decimal",
        "custom_unit_amount",
        "enabled",
        "minimum",
        "preset",
        "expires_at",
        "product",
        "amount",
        "confirm",
        "payment_method",
        "restrictions",
        "completed_sessions",
        "limit",
        "after_completion",
        "type",
        "redirect",
        "url",
        "customer_email",
    ]
)
_keys = st.lists(_segment, min_size=1, max_size=7).map(
    lambda parts: parts[0] + "".join(f"[{p}]" for p in parts[1:]) if parts[0] else "x"
)
_values2 = st.sampled_from(
    [
        "payment",
        "inr",
        "usd",
        "5000",
        "1",
        "-1",
        "",
        "abc",
        "line_items",
        "99999999999999999999999",
        "true",
        "nan",
        "inf",
        "1e400",
        "-0",
        "0",
        "12.5",
        "99999999",
        "pm_card_visa",
        "redirect",
        "https://x.example/{CHECKOUT_SESSION_ID}",
        "a@b.co",
    ]
)


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        [
            "/v1/checkout/sessions",
            "/v1/prices",
            "/v1/payment_intents",
            "/v1/payment_links",
            "/v1/customers",
        ]
    ),
    pairs=st.lists(st.tuples(_keys, _values2), max_size=10),
)
def test_fuzzed_structured_params_never_500(fresh_sandbox, path, pairs):
    from urllib.parse import urlencode

    before = state(fresh_sandbox)
    status, body = raw(fresh_sandbox, "post", path, urlencode(pairs))
    assert status in (200, 400, 404), body
    if status != 200:
        assert body["error"]["type"] == "invalid_request_error"
        assert state(fresh_sandbox) == before


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_form_decoder_only_raises_stripe_errors(data):
    from kiosk.sandbox import forms
    from kiosk.sandbox.errors import StripeError

    try:
        forms.decode(data)
    except StripeError as exc:
        assert exc.status == 400


def test_percent_encoded_brackets_in_query_and_body(sandbox, stripe_client):
    cus = stripe_client.v1.customers.create({"email": "pct@example.edu"})
    status, body = raw(
        sandbox,
        "get",
        "/v1/customers?email=pct%40example.edu&limit=1"
        "&created%5Bgte%5D=0&expand%5B0%5D=data.default_source",
        None,
        AUTH,
    )
    assert status == 400 and body["error"]["param"] == "expand"
    status, body = raw(
        sandbox, "get", "/v1/customers?email=pct%40example.edu&created%5Bgte%5D=0", None, AUTH
    )
    assert status == 200 and [c["id"] for c in body["data"]] == [cus.id]
    status, body = raw(sandbox, "post", f"/v1/customers/{cus.id}", b"metadata%5Bk%5D=v")
    assert status == 200 and body["metadata"] == {"k": "v"}


_list_paths = st.sampled_from(
    [
        "/v1/customers",
        "/v1/checkout/sessions",
        "/v1/payment_links",
        "/v1/prices",
        "/v1/products",
        "/v1/payment_intents",
        "/v1/refunds",
        "/v1/webhook_endpoints",
        "/v1/events",
        "/v1/charges",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=_list_paths, pairs=st.lists(st.tuples(_keys | _names, _values2 | _values), max_size=6))
def test_fuzzed_list_queries_never_500(fresh_sandbox, path, pairs):
    from urllib.parse import urlencode

    status, body = raw(fresh_sandbox, "get", f"{path}?{urlencode(pairs)}", None, AUTH)
    assert status in (200, 400, 404), body


@pytest.fixture
def existing(fresh_client):
    price = fresh_client.v1.prices.create(
        {"currency": "inr", "unit_amount": 5000, "product_data": {"name": "Fuzz"}}
    )
    session = fresh_client.v1.checkout.sessions.create(
        {"mode": "payment", "line_items": [{"price": price.id, "quantity": 1}]}
    )
    return {
        "customer": fresh_client.v1.customers.create({}).id,
        "session": session.id,
        "link": fresh_client.v1.payment_links.create(
            {"line_items": [{"price": price.id, "quantity": 1}]}
        ).id,
        "pi": fresh_client.v1.payment_intents.create({"amount": 5000, "currency": "inr"}).id,
        "price": price.id,
    }


_update_paths = st.sampled_from(
    [
        "/v1/customers/{customer}",
        "/v1/checkout/sessions/{session}",
        "/v1/payment_links/{link}",
        "/v1/payment_intents/{pi}",
        "/v1/prices/{price}",
        "/v1/payment_intents/{pi}/confirm",
        "/v1/payment_intents/{pi}/cancel",
        "/v1/test_helpers/checkout/sessions/{session}/pay",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(template=_update_paths, pairs=st.lists(st.tuples(_keys | _names, _values2), max_size=6))
def test_fuzzed_updates_never_500(fresh_sandbox, existing, template, pairs):
    from urllib.parse import urlencode

    before = state(fresh_sandbox)
    status, body = raw(fresh_sandbox, "post", template.format(**existing), urlencode(pairs))
    assert status in (200, 400, 402, 404), body
    if status in (400, 404):
        assert state(fresh_sandbox) == before, body
