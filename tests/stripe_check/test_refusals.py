"""Refused before any call (exit 2): live keys, no key, keys of other kinds, bad URLs."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from kiosk.sandbox import SandboxHandle
from kiosk.stripe_check.keys import KeyRefused, classify, mask
from tests.stripe_check.conftest import FakeStripe

Runner = Callable[..., tuple[int, str, str]]
LIVE = "sk_live_51Hfake0123456789wxyz"


@pytest.mark.parametrize("key", [LIVE, "rk_live_51Hfake0123456789wxyz"])
def test_a_live_key_is_refused_without_any_network_call(
    fake_stripe: FakeStripe, stripe_check: Runner, key: str
) -> None:
    status, out, err = stripe_check("--key", key, "--api-base", fake_stripe.url, "--json")
    assert status == 2 and out == ""
    assert f"refusing the live key {key[:8]}…wxyz" in err
    assert key not in err
    assert fake_stripe.requests == []


def test_a_live_key_from_the_desks_settings_is_refused_too(
    fake_stripe: FakeStripe, stripe_check: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", LIVE)
    monkeypatch.setenv("STRIPE_API_BASE", fake_stripe.url)
    status, _, err = stripe_check()
    assert status == 2 and "refusing the live key sk_live_…wxyz" in err
    assert fake_stripe.requests == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "no Stripe key: pass --key sk_test_…"),
        (("--key", "pk_test_abcdefghijklmnop"), "is not a Stripe secret or restricted test key"),
        (("--key", "sk_test_abcdefghijkl", "--api-base", "ftp://x"), "must be an http(s) URL"),
    ],
)
def test_bad_usage_exits_2(stripe_check: Runner, args: tuple[str, ...], message: str) -> None:
    status, out, err = stripe_check(*args)
    assert status == 2 and out == "" and message in err


def test_mask_keeps_only_the_prefix_and_last_four() -> None:
    assert mask("sk_test_0123456789abcd") == "sk_test_…abcd"
    assert mask("rk_live_0123456789abcd") == "rk_live_…abcd"
    assert mask("sk_test_ab") == "sk_test_…"
    assert classify("rk_test_0123456789").kind == "restricted"
    with pytest.raises(KeyRefused):
        classify("sk_live_0123456789")


def test_an_unreachable_target_stops_after_the_first_call(
    bare_target: SandboxHandle, stripe_check: Runner
) -> None:
    """A key the target rejects (401): one failed check, the rest skipped, no sandbox run."""
    status, out, _ = stripe_check(
        "--key", "sk_test_not-a-valid-key", "--api-base", bare_target.url, "--json"
    )
    report = json.loads(out)
    checks = {c["name"]: c for c in report["checks"]}
    assert not checks["key accepted"]["ok"]
    assert "AuthenticationError" in checks["key accepted"]["detail"]
    assert "sk_test_not-a-valid-key" not in out
    skipped = [c for c in report["checks"] if c["detail"].startswith("skipped: ")]
    assert skipped[0]["name"] == "permissions" and len(skipped) == 9
    assert skipped[-1] == {
        "name": "clean-up",
        "ok": False,
        "detail": "skipped: key accepted failed",
    }
    assert "sandbox reference run" not in checks and report["differences"] == []
    assert status == 1
