"""stripe-check against the sandbox (what CI runs): every check passes, no differences,
everything it created is cleaned up, and the key never shows."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import stripe

from kiosk.sandbox import SandboxHandle
from tests.stripe_check.conftest import TARGET_KEY, add_endpoint

CHECKS = [
    "key",
    "key accepted",
    "permissions",
    "customer",
    "checkout session",
    "payment link",
    "expire session",
    "payment and refund",
    "events",
    "webhook endpoint",
    "clean-up",
    "sandbox reference run",
]
Runner = Callable[..., tuple[int, str, str]]


@pytest.mark.parametrize("key", [TARGET_KEY, TARGET_KEY.replace("sk_", "rk_", 1)])
def test_json_against_the_sandbox_reports_no_difference(
    target: SandboxHandle, stripe_check: Runner, key: str
) -> None:
    status, out, _ = stripe_check("--key", key, "--api-base", target.url, "--json")
    report = json.loads(out)
    assert list(report) == ["target", "mode", "checks", "differences"]
    assert report["target"] == target.url and report["mode"] == "test"
    assert [c["name"] for c in report["checks"]] == CHECKS
    failed = [c for c in report["checks"] if not c["ok"]]
    assert failed == [] and report["differences"] == []
    assert all(list(c) == ["name", "ok", "detail"] for c in report["checks"])
    assert status == 0
    kind = "restricted" if key.startswith("rk_") else "secret"
    assert report["checks"][0]["detail"] == f"{key[:8]}…{key[-4:]}: test mode, {kind} key"


def test_text_output_and_the_desks_own_settings(
    target: SandboxHandle, stripe_check: Runner, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    """Without --key/--api-base it uses the desk's key (env or keyring) and API base."""
    monkeypatch.setenv("STRIPE_SECRET_KEY", TARGET_KEY)
    monkeypatch.setenv("STRIPE_API_BASE", target.url)
    status, out, err = stripe_check()
    lines = out.splitlines()
    assert status == 0, out
    assert lines[0] == "✓ key — sk_test_…abcd: test mode, secret key"
    assert all(line.startswith("✓ ") for line in lines[: len(CHECKS)])
    assert "differences from the sandbox: none" in lines
    assert lines[-1] == f"{target.url}: ready for the desk"
    logs = "".join(p.read_text() for p in (home / "logs").glob("*") if p.is_file())
    assert TARGET_KEY not in out + err + logs


def test_it_cleans_up_and_sends_our_idempotency_keys(
    target: SandboxHandle, stripe_check: Runner
) -> None:
    status, _, _ = stripe_check("--key", TARGET_KEY, "--api-base", target.url)
    assert status == 0
    client = stripe.StripeClient(TARGET_KEY, base_addresses={"api": target.url})
    sessions = client.v1.checkout.sessions.list({"limit": 100}).data
    links = client.v1.payment_links.list({"limit": 100}).data
    prices = client.v1.prices.list({"limit": 100}).data
    assert sessions and {s.status for s in sessions} == {"expired"}
    assert links and not any(link.active for link in links)
    assert prices and not any(p.active for p in prices)
    assert client.v1.customers.list({"limit": 100}).data == []
    pis = client.v1.payment_intents.list({"limit": 100}).data
    assert [pi.status for pi in pis] == ["succeeded"]
    assert client.v1.refunds.list({"payment_intent": pis[0].id}).data[0].amount == pis[0].amount
    events = client.v1.events.list({"limit": 100}).data
    by_request = {e.type: e.request.idempotency_key for e in events if e.request and e.request.id}
    assert by_request.pop("customer.deleted") is None  # a DELETE has no Idempotency-Key
    assert by_request and all(k.startswith("kiosk:stripe-check:") for k in by_request.values())


def test_a_missing_webhook_endpoint_fails(bare_target: SandboxHandle, stripe_check: Runner) -> None:
    status, out, _ = stripe_check("--key", TARGET_KEY, "--api-base", bare_target.url, "--json")
    report = json.loads(out)
    hook = next(c for c in report["checks"] if c["name"] == "webhook endpoint")
    assert not hook["ok"] and "no enabled webhook endpoint" in hook["detail"]
    assert report["differences"] == [
        {
            "object": "webhook_endpoint",
            "field": "(object)",
            "sandbox": "present",
            "stripe": "absent",
        }
    ]
    assert status == 1


def test_an_endpoint_missing_events_or_in_another_version_fails(
    bare_target: SandboxHandle, stripe_check: Runner
) -> None:
    add_endpoint(
        bare_target.url,
        enabled_events=["checkout.session.completed", "payment_intent.succeeded"],
        api_version="2024-06-20",
    )
    status, out, _ = stripe_check("--key", TARGET_KEY, "--api-base", bare_target.url, "--json")
    hook = next(c for c in json.loads(out)["checks"] if c["name"] == "webhook endpoint")
    assert not hook["ok"]
    assert (
        "does not send checkout.session.expired, checkout.session.async_payment_succeeded"
        in (hook["detail"])
    )
    assert f"API version 2024-06-20, the desk reads {stripe.api_version}" in hook["detail"]
    assert status == 1
