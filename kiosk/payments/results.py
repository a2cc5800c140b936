"""What applying did.

`ApplyResult` comes back from every apply entry point; after the caller's transaction
commits, kiosk.payments.after_commit.finish publishes its status changes and does the
work the commit left (or `publish_result` publishes them alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.payments.status import StatusChange, publish_all


class Outcome(StrEnum):
    """What applying one event or object did, least to most: `merge` keeps the most."""

    IGNORED = "ignored"  # not ours, or nothing to change
    DUPLICATE = "duplicate"  # seen before
    WAITING = "waiting"  # names a payment the ledger does not have yet (`waits_for`)
    DEFERRED = "deferred"  # could not be verified now: a later source applies it
    STATUS = "status"  # an attempt's or refund's status moved
    APPLIED = "applied"  # money entered the ledger

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {outcome: n for n, outcome in enumerate(Outcome)}


@dataclass
class ApplyResult:
    """What applying did (see `Outcome`), the status changes to publish after commit, the
    payment recorded, and for a `waiting` result the PaymentIntent it waits for."""

    outcome: Outcome = Outcome.IGNORED
    changes: list[StatusChange] = field(default_factory=list)
    payment_id: int | None = None
    waits_for: str | None = None  # the PaymentIntent a `waiting` result needs first

    def merge(self, other: ApplyResult) -> ApplyResult:
        if other.outcome.rank > self.outcome.rank:
            self.outcome = other.outcome
        self.changes += other.changes
        self.payment_id = self.payment_id or other.payment_id
        self.waits_for = self.waits_for or other.waits_for
        return self

    @property
    def fixed(self) -> bool:
        return self.outcome in (Outcome.APPLIED, Outcome.STATUS)


def publish_result(result: ApplyResult | None) -> None:
    """Publish the result's status changes. Call after the transaction committed."""
    if result is not None:
        publish_all(result.changes)
