"""Run the checks against the target, the same checks against an embedded sandbox, and
compare what the two answered."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import stripe

from kiosk.demo import WEBHOOK_EVENTS
from kiosk.payments.gateway import StripeGateway
from kiosk.stripe_check.checks import Run
from kiosk.stripe_check.compare import Difference, compare_all
from kiosk.stripe_check.keys import KeyInfo
from kiosk.stripe_check.outcome import Check, DeskParams, Outcome

# the reference sandbox's endpoint: nothing listens there, deliveries just fail
REFERENCE_WEBHOOK_URL = "http://127.0.0.1:9/stripe/webhook"


@dataclass
class Report:
    target: str
    mode: str
    checks: list[Check]
    differences: list[Difference]

    @property
    def ok(self) -> bool:
        return not self.differences and all(c.ok for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "mode": self.mode,
            "checks": [c.to_json() for c in self.checks],
            "differences": self.differences,
        }

    def text(self) -> str:
        lines = [f"{'✓' if c.ok else '✗'} {c.name} — {c.detail}" for c in self.checks]
        if not self.differences:
            lines.append("differences from the sandbox: none")
        else:
            count = len(self.differences)
            lines.append(
                f"{count} difference{'s' if count > 1 else ''} from the sandbox "
                "(object · field: sandbox → stripe):"
            )
            lines += [
                f"  {d['object']} · {d['field']}: {d['sandbox']} → {d['stripe']}"
                for d in self.differences
            ]
        verdict = "ready" if self.ok else "NOT ready"
        lines.append(f"{self.target}: {verdict} for the desk")
        return "\n".join(lines)


def run_check(
    target: StripeGateway, key: KeyInfo, desk: DeskParams, *, event_timeout: float = 20.0
) -> Report:
    """Every check against `target`, then the same run against a fresh embedded sandbox,
    and the field-by-field differences between their answers."""
    run_id = secrets.token_hex(6)
    checks = [Check("key", True, f"{key.masked}: {key.mode} mode, {key.kind} key")]
    outcome = Run(target, desk, run_id, key_kind=key.kind, event_timeout=event_timeout).execute()
    checks += outcome.checks
    if outcome.stopped:
        return Report(target.api_base, key.mode, checks, [])
    reference = reference_run(desk, run_id, key.kind, outcome.objects.get("webhook_endpoint"))
    failed = [c.name for c in reference.checks if not c.ok]
    checks.append(
        Check(
            "sandbox reference run",
            not failed,
            "the embedded sandbox passed every check"
            if not failed
            else f"the embedded sandbox failed: {', '.join(failed)}",
        )
    )
    return Report(
        target.api_base, key.mode, checks, compare_all(reference.objects, outcome.objects)
    )


def reference_run(
    desk: DeskParams, run_id: str, key_kind: str, endpoint: dict[str, Any] | None = None
) -> Outcome:
    """The same checks against a fresh sandbox on loopback, set up as the README says.
    Its webhook endpoint takes the target endpoint's description and metadata, which are
    the integrator's choice, not a shape."""
    from kiosk.sandbox import start_sandbox

    prefix = "rk_test_" if key_kind == "restricted" else "sk_test_"
    with start_sandbox(webhook_retry_delays=(3600.0,)) as sandbox:
        gateway = StripeGateway(prefix + "stripecheck" + secrets.token_hex(8), sandbox.url)
        params: dict[str, Any] = {
            "url": REFERENCE_WEBHOOK_URL,
            "enabled_events": list(WEBHOOK_EVENTS),
            "api_version": stripe.api_version,
            "description": (endpoint or {}).get("description"),
            "metadata": (endpoint or {}).get("metadata") or None,
        }
        gateway.v1.webhook_endpoints.create(
            params,  # type: ignore[arg-type]
            options={"idempotency_key": f"kiosk:stripe-check:{run_id}:reference-endpoint"},
        )
        return Run(gateway, desk, run_id, key_kind=key_kind, event_timeout=5.0).execute()
