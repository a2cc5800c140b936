"""A target that answers differently from the sandbox: a second sandbox whose answers
are rewritten on the way out (in this test only) must produce exactly the differences
made, and exit 1."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kiosk.sandbox import SandboxHandle, start_sandbox
from tests.stripe_check.conftest import TARGET_KEY, add_endpoint

Runner = Callable[..., tuple[int, str, str]]


def diverge(obj: Any) -> Any:
    """Sessions gain a field and use an older ui_mode name; links lose a field; a
    customer's string field becomes null. Applied at any depth (event payloads too)."""
    if isinstance(obj, list):
        return [diverge(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {k: diverge(v) for k, v in obj.items()}
    if out.get("object") == "checkout.session":
        out["stripe_check_extra"] = "new in this API version"
        out["ui_mode"] = "hosted"
    elif out.get("object") == "payment_link":
        out.pop("inactive_message", None)
    elif out.get("object") == "customer":
        out["invoice_prefix"] = None
    return out


@pytest.fixture
def divergent() -> Iterator[SandboxHandle]:
    handle = start_sandbox(webhook_retry_delays=(3600.0,))
    api = handle.app.api
    original = api._run

    def run(handler: Any, call: Any) -> tuple[int, bytes]:
        status, payload = original(handler, call)
        if status == 200:
            payload = json.dumps(diverge(json.loads(payload))).encode()
        return status, payload

    api._run = run  # this instance only
    api.contract_exempt = True  # its answers are wrong on purpose: not the suite's contract
    add_endpoint(handle.url)
    yield handle
    handle.stop()


def expected() -> list[dict[str, str]]:
    rows = [("customer", "invoice_prefix", "string", "null")]
    for label in ("create", "retrieve", "expire"):
        rows.append((f"checkout.session ({label})", "stripe_check_extra", "absent", "string"))
        rows.append((f"checkout.session ({label})", "ui_mode", "'hosted_page'", "'hosted'"))
    event = "event (checkout.session.expired)"
    rows.append((event, "data.object.stripe_check_extra", "absent", "string"))
    rows.append((event, "data.object.ui_mode", "'hosted_page'", "'hosted'"))
    for label in ("create", "deactivate", "retrieve"):
        rows.append((f"payment_link ({label})", "inactive_message", "string", "absent"))
    keys = ("object", "field", "sandbox", "stripe")
    return sorted((dict(zip(keys, row, strict=True)) for row in rows), key=_order)


def _order(d: dict[str, str]) -> tuple[str, str]:
    return d["object"], d["field"]


def test_every_divergence_is_reported_field_by_field(
    divergent: SandboxHandle, stripe_check: Runner
) -> None:
    status, out, _ = stripe_check("--key", TARGET_KEY, "--api-base", divergent.url, "--json")
    report = json.loads(out)
    assert [c for c in report["checks"] if not c["ok"]] == []
    assert sorted(report["differences"], key=_order) == expected()
    assert status == 1


def test_the_text_output_lists_the_differences(
    divergent: SandboxHandle, stripe_check: Runner
) -> None:
    status, out, _ = stripe_check("--key", TARGET_KEY, "--api-base", divergent.url)
    assert status == 1
    assert f"{len(expected())} differences from the sandbox" in out
    assert "  checkout.session (create) · ui_mode: 'hosted_page' → 'hosted'" in out
    assert "  payment_link (create) · inactive_message: string → absent" in out
    assert out.splitlines()[-1] == f"{divergent.url}: NOT ready for the desk"
