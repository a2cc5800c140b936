"""Held events applied again: those waiting for a payment the ledger now has
(`apply_ready`, after every commit that recorded money) and the dead letters (`retry`,
from `sync --retry-dead` and reconcile). Those that still cannot be applied stay held
(kiosk.payments.held).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.ledger.models import HeldEvent, Payment
from kiosk.ledger.retry import is_transient
from kiosk.ledger.types import utcnow
from kiosk.payments.apply import apply_event
from kiosk.payments.errors import StripeUnavailable
from kiosk.payments.held import DEAD, KEEP_WAITING, WAITING, HeldKind, describe_error, hold
from kiosk.payments.results import ApplyResult, Outcome
from kiosk.payments.verify import apply_in_ledger

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)


def apply_ready(ctx: Context, gateway: StripeGateway | None) -> list[ApplyResult]:
    """Apply the waiting events whose payment the ledger now has; drop stale waits."""
    with ctx.ledger.begin() as s:
        s.execute(
            delete(HeldEvent).where(
                HeldEvent.kind == WAITING, HeldEvent.updated_at < utcnow() - KEEP_WAITING
            )
        )
        ready = list(
            s.scalars(
                select(HeldEvent.event_id)
                .join(Payment, Payment.stripe_payment_intent == HeldEvent.waits_for)
                .where(HeldEvent.kind == WAITING)
                .order_by(HeldEvent.created_at)
            )
        )
    return _retry(ctx, gateway, ready)


def retry(ctx: Context, gateway: StripeGateway | None, kind: HeldKind = DEAD) -> list[ApplyResult]:
    """Apply the held events of `kind` again; those that still fail stay held."""
    with ctx.ledger.read() as s:
        ids = list(
            s.scalars(
                select(HeldEvent.event_id)
                .where(HeldEvent.kind == kind)
                .order_by(HeldEvent.created_at)
            )
        )
    return _retry(ctx, gateway, ids)


def _retry(ctx: Context, gateway: StripeGateway | None, ids: list[str]) -> list[ApplyResult]:
    results: list[ApplyResult] = []
    for event_id in ids:

        def work(s: Session, verifier: Any, event_id: str = event_id) -> ApplyResult | None:
            row = s.get(HeldEvent, event_id)
            if row is None:
                return None  # applied by someone else meanwhile
            event, source = json.loads(row.payload), row.source
            try:
                with s.begin_nested():
                    result = apply_event(
                        s,
                        event,
                        source=source,
                        desk=ctx.desk,
                        verifier=verifier,
                        settings=ctx.settings,
                    )
            except StripeUnavailable:
                raise
            except Exception as exc:
                if is_transient(exc):
                    raise
                hold(s, event, DEAD, source=source, reason=describe_error(exc))
                return None
            if result.outcome not in (Outcome.DEFERRED, Outcome.WAITING):  # else held (again)
                s.execute(delete(HeldEvent).where(HeldEvent.event_id == event_id))
            return result

        try:
            result = apply_in_ledger(ctx, gateway, work)
        except StripeUnavailable as exc:
            log.info("held events not retried now: %s", exc.message)
            break
        if result is not None:
            results.append(result)
    return results
