"""Restricted keys: each README permission is probed; a 403 names the one missing.

The sandbox accepts any rk_test_ key with every permission (it does not emulate
restricted keys), so these tests use a fake Stripe on loopback that answers 403 as
Stripe does for a missing permission."""

from __future__ import annotations

import json
from collections.abc import Callable

from kiosk.payments.gateway import StripeGateway
from kiosk.stripe_check.permissions import INVALID, PROBES, missing_permissions
from tests.stripe_check.conftest import FakeStripe

Runner = Callable[..., tuple[int, str, str]]
KEY = "rk_test_stripecheck_0123456789abcd"
README_TABLE = [
    "Checkout Sessions: Write",
    "Payment Links: Write",
    "Prices: Write",
    "Products: Write",
    "Customers: Write",
    "PaymentIntents: Read",
    "Charges: Read",
    "Refunds: Write",
    "Events: Read",
]


def test_the_probes_are_the_readme_table() -> None:
    assert [p.label for p in PROBES] == README_TABLE


def test_a_403_names_the_missing_permissions(fake_stripe: FakeStripe) -> None:
    fake_stripe.forbidden = {
        ("POST", "/v1/refunds"): "rak_refund_write",
        ("GET", "/v1/events"): "rak_event_read",
    }
    gateway = StripeGateway(KEY, fake_stripe.url)
    assert missing_permissions(gateway, "kiosk:stripe-check:t") == [
        "Refunds: Write",
        "Events: Read",
    ]
    posts = [r for r in fake_stripe.requests if r["method"] == "POST"]
    assert len(posts) == 6 and len(fake_stripe.requests) == 9
    for post in posts:  # every write probe is invalid on purpose: it can create nothing
        assert [INVALID] in post["params"].values()
        assert post["idempotency_key"].startswith("kiosk:stripe-check:t:probe-")


def test_a_key_with_every_permission_misses_none(fake_stripe: FakeStripe) -> None:
    assert missing_permissions(StripeGateway(KEY, fake_stripe.url), "k") == []


def test_the_command_reports_the_missing_permission(
    fake_stripe: FakeStripe, stripe_check: Runner
) -> None:
    fake_stripe.forbidden = {("GET", "/v1/charges"): "rak_charge_read"}
    status, out, _ = stripe_check("--key", KEY, "--api-base", fake_stripe.url, "--json")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["permissions"] == {
        "name": "permissions",
        "ok": False,
        "detail": "the restricted key lacks Charges: Read (README: The Stripe key)",
    }
    assert status == 1
    assert KEY not in out
