"""Checks that read what the run caused: the events list, and the webhook endpoint."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

import stripe

from kiosk.demo import WEBHOOK_EVENTS
from kiosk.payments.apply import HANDLED_EVENTS
from kiosk.payments.gateway import as_dict, translated
from kiosk.payments.stripe_shapes import Event
from kiosk.stripe_check.outcome import CheckFailed

if TYPE_CHECKING:
    from kiosk.stripe_check.checks import Run

MAX_EVENTS = 300  # of the handled types since the run started: plenty for one run
# event type -> (the run's id it belongs to, the field of the event's object holding it)
WANTED = {
    "checkout.session.expired": ("session", "id"),
    "payment_intent.succeeded": ("payment_intent", "id"),
    "charge.succeeded": ("payment_intent", "payment_intent"),
    "charge.refunded": ("payment_intent", "payment_intent"),
    "refund.created": ("payment_intent", "payment_intent"),
}
REQUIRED = ("checkout.session.expired", "payment_intent.succeeded")


def _ours(run: Run, event: Event) -> bool:
    kind, field = WANTED.get(event.get("type", ""), ("", ""))
    obj = (event.get("data") or {}).get("object") or {}
    return bool(kind) and run.ids.get(kind) is not None and obj.get(field) == run.ids[kind]


def _listed(run: Run) -> list[Event]:
    listing = run.gw.list_events(list(HANDLED_EVENTS), run.started or None)
    return list(itertools.islice(listing, MAX_EVENTS))


def events(run: Run) -> str:
    """The run's events appear in the events list (as reconcile reads it), newest first.
    Stripe may list an event a moment after the request that caused it: wait a little."""
    required = [t for t in REQUIRED if WANTED[t][0] in run.ids]
    if not required:
        raise CheckFailed("nothing of this run to look for: the checks above failed")
    deadline = time.monotonic() + run.event_timeout
    while True:
        listed = _listed(run)
        found = {e["type"]: e for e in reversed(listed) if _ours(run, e)}
        missing = [t for t in required if t not in found]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    for etype, event in found.items():
        run.keep(f"event ({etype})", event)
    created = [int(e.get("created") or 0) for e in listed]
    problems = [f"no {t} event of this run" for t in missing]
    if created != sorted(created, reverse=True):
        problems.append("the events list is not newest first")
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"listed {', '.join(sorted(found))} of this run, newest first"


def webhook_endpoint(run: Run) -> str:
    """An enabled endpoint sends every event type the relay needs, in the API version
    the desk reads. Whether Stripe can reach its URL is not checked."""
    with translated("list webhook endpoints (Webhook Endpoints: Read)"):
        listing = run.gw.v1.webhook_endpoints.list({"limit": 100})
        endpoints = [as_dict(e) for e in listing.auto_paging_iter()]
    enabled = [e for e in endpoints if e.get("status") == "enabled"]
    if not enabled:
        raise CheckFailed(
            f"no enabled webhook endpoint ({len(endpoints)} in all): add one as the README's "
            "'Stripe Dashboard settings' says"
        )
    best = min(
        enabled, key=lambda e: (len(_missing(e)), e.get("api_version") != stripe.api_version)
    )
    run.keep("webhook_endpoint", best)
    missing, version = _missing(best), best.get("api_version")
    problems = []
    if missing:
        problems.append(f"{best.get('url')} does not send {', '.join(missing)}")
    if version != stripe.api_version:
        problems.append(
            f"{best.get('url')} sends events in API version {version or 'of the account'}, "
            f"the desk reads {stripe.api_version}: create the endpoint with that api_version"
        )
    if problems:
        raise CheckFailed("; ".join(problems))
    return f"{best.get('url')} sends the {len(WEBHOOK_EVENTS)} event types, API {version}"


def _missing(endpoint: dict[str, Any]) -> list[str]:
    enabled = set(endpoint.get("enabled_events") or ())
    if "*" in enabled:
        return []
    return [t for t in WEBHOOK_EVENTS if t not in enabled]
