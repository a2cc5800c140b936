"""Reconcile: backfill from Stripe whatever the desk missed. Safe to run at any time.

    report = reconcile(ctx, gateway)         # since the last successful run
    print(report)                            # what it fixed

It lists Stripe's events of the handled types (Stripe keeps 30 days of them) and reads
the sessions of our attempts since the date, and gives everything to the same apply
path as the poller and the relay, so anything already applied is a no-op. It also
retries the relay events parked as dead letters, and reports those still held.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from kiosk.clock import stamp
from kiosk.ledger.key_value import get_value, put_value
from kiosk.ledger.models import Payment, PaymentAttempt
from kiosk.ledger.types import utcnow
from kiosk.money import format_money
from kiosk.payments import held, held_retry
from kiosk.payments.after_commit import finish
from kiosk.payments.apply import (
    HANDLED_EVENTS,
    ApplyResult,
    apply_checkout_session,
    event_work,
)
from kiosk.payments.errors import PaymentError
from kiosk.payments.poller import _sessions
from kiosk.payments.results import Outcome
from kiosk.payments.status import LIVE
from kiosk.payments.verify import apply_in_ledger

if TYPE_CHECKING:
    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway

log = logging.getLogger(__name__)

LAST_RUN = "payments.last_reconcile"
WINDOW = timedelta(days=30)  # Stripe's event retention
OVERLAP = timedelta(minutes=5)  # clocks and in-flight events at the last run's edge


@dataclass
class ReconcileReport:
    since: datetime
    events_seen: int = 0
    sessions_seen: int = 0
    fixed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    timezone: str = "UTC"  # the desk's zone, for people reading the report
    held: str = ""  # dead letters and waiting events left, described

    def __str__(self) -> str:
        head = (
            f"reconciled since {stamp(self.since, self.timezone)}: {self.events_seen} events and "
            f"{self.sessions_seen} sessions checked, {len(self.fixed)} fixed"
        )
        lines = [head, *(f"  fixed: {line}" for line in self.fixed)]
        lines += [f"  error: {line}" for line in self.errors]
        if self.held:
            lines.append(f"  held: {self.held}")
        return "\n".join(lines)


def last_run(ctx: Context) -> datetime | None:
    with ctx.ledger.begin() as s:
        value = get_value(s, LAST_RUN)
        return datetime.fromisoformat(value) if value else None


def reconcile(
    ctx: Context, gateway: StripeGateway, since: datetime | None = None
) -> ReconcileReport:
    started = utcnow()
    oldest = started - WINDOW + timedelta(minutes=1)
    if since is None:
        previous = last_run(ctx)
        since = previous - OVERLAP if previous else oldest
    report = ReconcileReport(max(since, oldest), timezone=str(ctx.settings.get("desk.timezone")))
    results: list[ApplyResult] = []
    try:
        _events(ctx, gateway, report, results)
        _attempt_sessions(ctx, gateway, since, report, results)
        results += held_retry.retry(ctx, gateway, held.DEAD)
        from kiosk.payments.refunds import poll_refunds

        poll_refunds(ctx, gateway)
    except PaymentError as exc:
        report.errors.append(exc.message)
    finish(ctx, gateway, results)
    _describe(ctx, results, report)
    report.held = held.counts(ctx).describe()
    if not report.errors:
        with ctx.ledger.begin() as s:
            put_value(s, LAST_RUN, started.isoformat())
    return report


def _events(
    ctx: Context, gateway: StripeGateway, report: ReconcileReport, results: list[ApplyResult]
) -> None:
    events = list(gateway.list_events(list(HANDLED_EVENTS), int(report.since.timestamp())))
    for event in reversed(events):  # Stripe lists newest first; apply in the order they happened
        report.events_seen += 1
        work = event_work(event, source="reconcile", desk=ctx.desk, settings=ctx.settings)
        results.append(apply_in_ledger(ctx, gateway, work))


def _attempt_sessions(
    ctx: Context,
    gateway: StripeGateway,
    since: datetime,
    report: ReconcileReport,
    results: list[ApplyResult],
) -> None:
    with ctx.ledger.begin() as s:
        rows = s.execute(
            select(PaymentAttempt.channel, PaymentAttempt.stripe_id).where(
                PaymentAttempt.stripe_id.is_not(None),
                (PaymentAttempt.created_at >= since)
                | PaymentAttempt.status.in_([st.value for st in LIVE]),
            )
        ).all()
    for channel, stripe_id in rows:
        for cs in _sessions(gateway, channel, str(stripe_id)):
            report.sessions_seen += 1
            with ctx.ledger.begin() as s:
                results.append(
                    apply_checkout_session(
                        s,
                        cs,
                        source="reconcile",
                        desk=ctx.desk,
                        settings=ctx.settings,
                    )
                )


def _describe(ctx: Context, results: list[ApplyResult], report: ReconcileReport) -> None:
    locale = str(ctx.settings.get("desk.locale"))
    with ctx.ledger.begin() as s:
        for result in results:
            if not result.fixed:
                continue
            for change in result.changes:
                line = f"{change.invoice_number}: {change.status.value}"
                if change.payment_id and result.outcome == Outcome.APPLIED:
                    p = s.get(Payment, change.payment_id)
                    if p is not None:
                        line += (
                            f" {format_money(p.amount, p.currency, locale)}"
                            f" ({p.stripe_payment_intent})"
                        )
                if change.reason:
                    line += f": {change.reason}"
                report.fixed.append(line)
