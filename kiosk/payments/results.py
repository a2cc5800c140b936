"""What applying did, and the work after commit.

`ApplyResult` comes back from every apply entry point; after the caller's transaction
commits, `finish(ctx, gateway, results)` publishes the status changes, applies events
that waited for a payment now recorded (kiosk.payments.held) and works through the
follow-up outbox (kiosk.payments.followups).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.payments import followups, held
from kiosk.payments.status import StatusChange, publish_all

if TYPE_CHECKING:
    from kiosk.payments.gateway import StripeGateway


@dataclass
class ApplyResult:
    """What applying did: `outcome` is applied | duplicate | status | ignored | deferred
    (not verified yet) | waiting (names a payment the ledger does not have: `waits_for`)."""

    outcome: str = "ignored"
    changes: list[StatusChange] = field(default_factory=list)
    payment_id: int | None = None
    waits_for: str | None = None  # the PaymentIntent a `waiting` result needs first

    def merge(self, other: ApplyResult) -> ApplyResult:
        order = ("ignored", "duplicate", "waiting", "deferred", "status", "applied")
        if order.index(other.outcome) > order.index(self.outcome):
            self.outcome = other.outcome
        self.changes += other.changes
        self.payment_id = self.payment_id or other.payment_id
        self.waits_for = self.waits_for or other.waits_for
        return self

    @property
    def fixed(self) -> bool:
        return self.outcome in ("applied", "status")


def publish_result(result: ApplyResult | None) -> None:
    """Publish the result's status changes. Call after the transaction committed."""
    if result is not None:
        publish_all(result.changes)


def finish(ctx: Any, gateway: StripeGateway | None, results: list[ApplyResult]) -> None:
    """After commit: read the card details new payments lack (a receipt shows them), publish
    the changes, apply events that were waiting for a payment now recorded, then do the
    Stripe follow-ups owed (the outbox; all that are due, so a crash after an earlier
    commit is caught up here). Without a gateway the follow-ups wait."""
    money = any(r.outcome == "applied" for r in results)
    if money:
        followups.work_through(ctx, gateway, followups.FILL_CARD)
    for result in results:
        publish_result(result)
    if gateway is not None or money:
        for result in held.apply_ready(ctx, gateway):
            publish_result(result)
    followups.work_through(ctx, gateway)
