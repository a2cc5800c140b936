"""Stripe events the ledger holds instead of applying, and their retry.

- `waiting`: the event names a payment the desk does not know yet (a refund or charge
  event that overtook the payment's own). It is not marked processed: it is applied as
  soon as the payment is recorded (after any commit, by `apply_ready`), and reconcile
  and later sources can still apply it.
- `dead`: applying it raised an error that is not a transient database one (bad data, a
  bug). The sync loop parks it here and moves on; `sync --status`, `reconcile` and the
  desk (`counts`) show it, and `sync --retry-dead` or `reconcile` retry it.

Holding is here; applying held events again is kiosk.payments.held_retry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.ledger.fastsql import dialect_insert, table
from kiosk.ledger.models import HeldEvent
from kiosk.ledger.types import utcnow

if TYPE_CHECKING:
    from kiosk.context import Context

log = logging.getLogger(__name__)


class HeldKind(StrEnum):
    """Why an event is held (`held_events.kind`); see the module's docstring."""

    WAITING = "waiting"  # for a payment the ledger does not have yet
    DEAD = "dead"  # applying it failed for a reason that is not transient


WAITING, DEAD = HeldKind.WAITING, HeldKind.DEAD
KEEP_WAITING = timedelta(days=30)  # Stripe keeps events 30 days; older waits are not ours


@dataclass(frozen=True)
class HeldCounts:
    dead: int = 0
    waiting: int = 0

    def describe(self) -> str:
        parts = []
        if self.dead:
            parts.append(f"{self.dead} event(s) could not be applied (sync --retry-dead)")
        if self.waiting:
            parts.append(f"{self.waiting} event(s) wait for their payment")
        return "; ".join(parts)


def hold(
    session: Session,
    event: Mapping[str, Any],
    kind: HeldKind,
    *,
    source: str,
    reason: str,
    waits_for: str | None = None,
) -> None:
    """Park `event` in the caller's transaction (again: its tries go up)."""
    stmt = dialect_insert(session)(table(HeldEvent))
    now = utcnow()
    row = {
        "event_id": str(event.get("id")),
        "type": str(event.get("type", ""))[:80],
        "kind": kind.value,
        "waits_for": waits_for,
        "reason": reason[:2000],
        "payload": json.dumps(event, default=str),
        "source": source[:20],
        "tries": 1,
        "created_at": now,
        "updated_at": now,
    }
    again = {k: stmt.excluded[k] for k in ("kind", "waits_for", "reason", "updated_at")}
    again["tries"] = table(HeldEvent).c.tries + 1
    session.execute(stmt.values(row).on_conflict_do_update(index_elements=["event_id"], set_=again))


def counts(ctx: Context) -> HeldCounts:
    """Dead and waiting events, for `sync --status`, reconcile and the desk's status bar."""
    with ctx.ledger.read() as s:
        found = dict(s.execute(select(HeldEvent.kind, func.count()).group_by(HeldEvent.kind)).all())
    return HeldCounts(dead=int(found.get(DEAD, 0)), waiting=int(found.get(WAITING, 0)))


def dead_letters(ctx: Context) -> list[tuple[str, str, str, int]]:
    """(event id, type, reason, tries) of each dead event, oldest first."""
    with ctx.ledger.read() as s:
        rows = s.execute(
            select(HeldEvent.event_id, HeldEvent.type, HeldEvent.reason, HeldEvent.tries)
            .where(HeldEvent.kind == DEAD)
            .order_by(HeldEvent.created_at)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def describe_error(exc: BaseException) -> str:
    """What went wrong applying an event, for the dead-letter list (no traceback)."""
    text = getattr(exc, "message", None) or str(exc) or ""
    return f"{type(exc).__name__}: {text}"[:2000]
