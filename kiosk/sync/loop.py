"""The sync loop: long-poll the relay, apply each event, move the cursor in the same transaction.

A crash can neither skip an event (the cursor moves only with the event's effects) nor
apply one twice (the cursor and the payments core's unique constraints both guard it).
While the relay is unreachable the loop backs off with jitter; once it has been offline
longer than `relay.offline_after_seconds` it polls Stripe for the desk's open attempts,
and when the relay is back it runs reconcile once to backfill what the relay may lack.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kiosk.ledger.models import SyncCursor
from kiosk.ledger.types import utcnow
from kiosk.sync.client import RelayAuthError, RelayClient, RelayError, RelayEvent
from kiosk.sync.state import SyncState, SyncStatus, store_state

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kiosk.context import Context
    from kiosk.payments.gateway import StripeGateway
    from kiosk.payments.results import ApplyResult
    from kiosk.payments.verify import Verifier

log = logging.getLogger(__name__)

StateCallback = Callable[[SyncState], None]


class Backoff:
    """Exponential backoff with full jitter: 0.5 s doubling to `cap`."""

    def __init__(
        self, base: float = 0.5, cap: float = 30.0, rng: Callable[[], float] = random.random
    ) -> None:
        self.base, self.cap, self._rng, self.failures = base, cap, rng, 0

    def next_delay(self) -> float:
        self.failures += 1
        ceiling = min(self.cap, self.base * 2.0 ** (self.failures - 1))
        return float(ceiling / 2 + self._rng() * ceiling / 2)

    def reset(self) -> None:
        self.failures = 0


class SyncLoop:
    def __init__(
        self,
        ctx: Context,
        client: RelayClient,
        *,
        gateway: StripeGateway | None = None,
        wait: float = 25.0,
        on_state: StateCallback | None = None,
        batch: int = 100,
    ) -> None:
        self.ctx = ctx
        self.client = client
        self.gateway = gateway
        self.wait = wait
        self.batch = batch
        self._on_state = on_state
        self.state = SyncState()
        self.backoff = Backoff()
        self.error_backoff = Backoff(base=1.0, cap=60.0)  # for errors other than outages
        # Called after the loop applied something and committed: a relay page, the offline
        # poll, the reconcile on reconnect (the CLI renders receipts there).
        self.after_apply: Callable[[], object] | None = None
        self.offline_after = float(ctx.settings.get("relay.offline_after_seconds"))

    # -- state -------------------------------------------------------------------------
    def _publish(self, **changes: Any) -> None:
        new = self.state.evolve(**changes)
        if new == self.state:
            return
        self.state = new
        try:
            with self.ctx.ledger.begin() as s:
                store_state(s, self.ctx.desk, new)
        except Exception:  # the state is advisory; never let it stop syncing
            log.warning("could not store sync state", exc_info=True)
        if self._on_state:
            try:
                self._on_state(new)
            except Exception:
                log.exception("the sync state listener failed")

    def cursor(self) -> int:
        with self.ctx.ledger.begin() as s:
            row = s.get(SyncCursor, self.ctx.desk)
            return row.cursor if row else 0

    # -- one round -----------------------------------------------------------------------
    def run_once(self, wait: float | None = None) -> int:
        """Fetch what the relay has after our cursor (waiting up to `wait`) and apply it."""
        events, _ = self.client.fetch(
            self.cursor(), limit=self.batch, wait=self.wait if wait is None else wait
        )
        if not events:
            return 0
        if len(events) == self.batch:
            self._publish(status=SyncStatus.CATCHING_UP, pending=len(events), error="")
        self._apply_page(events)
        self._applied()
        return len(events)

    def _applied(self) -> None:
        if self.after_apply is not None:
            self.after_apply()

    def _apply_page(self, events: list[RelayEvent]) -> None:
        """Apply a page in one short transaction, moving the cursor with it.

        On PostgreSQL each event commits on its own, so the receipt counter's row lock,
        which every desk's payments queue on, is held for one payment, never a page;
        SQLite has a single writer anyway and takes its lock once for the page.

        Each event runs in its own SAVEPOINT. One the core cannot use is rolled back
        alone and parked as a dead letter (kiosk.payments.held: `sync --status` shows it,
        `sync --retry-dead` and reconcile retry it), so it never blocks the events after
        it. A transient database error (deadlock, serialization failure, "database is
        locked") rolls the whole page back and it runs again; Stripe being unreachable
        while verifying an object does the same through the loop's backoff. Objects to
        verify are read from Stripe between transactions, never inside one.
        """
        from kiosk.ledger.retry import retry_transient
        from kiosk.payments.after_commit import finish
        from kiosk.sync.receipt_reports import report_receipts

        size = 1 if self.ctx.ledger.dialect == "postgresql" else len(events)
        results: list[ApplyResult] = []
        for start in range(0, len(events), size):
            part = events[start : start + size]
            results += retry_transient(self._page_work(part), what="relay page")
        finish(self.ctx, self.gateway, results)
        self._publish(cursor=events[-1].cursor, last_event_at=utcnow(), pending=0)
        report_receipts(self.ctx, self.client, events)
        if any(e.type.startswith("payout.") for e in events):
            self._sync_payouts()

    def _sync_payouts(self) -> None:
        """A payout was created, paid or failed: fetch it and its lines now. Missed (Stripe
        down, or a crash first), the next payout event or `payouts sync` catches up: the
        sync is idempotent and covers every payout."""
        from kiosk.payments.errors import PaymentError
        from kiosk.payouts.sync import sync_payouts

        if self.gateway is None:
            return
        try:
            sync_payouts(self.ctx, self.gateway)
        except PaymentError as exc:
            log.info("payouts sync after a payout event failed: %s", exc.message)

    def _page_work(self, part: list[RelayEvent]) -> Callable[[], list[ApplyResult]]:
        """Apply `part` in short ledger transactions (Stripe reads between them)."""
        from kiosk.payments.verify import apply_in_ledger

        def work() -> list[ApplyResult]:
            return apply_in_ledger(self.ctx, self.gateway, lambda s, v: self._page(s, v, part))

        return work

    def _page(
        self, s: Session, verifier: Verifier | None, events: list[RelayEvent]
    ) -> list[ApplyResult]:
        from kiosk.ledger.retry import is_transient
        from kiosk.payments import held
        from kiosk.payments.apply import apply_event

        results = []
        for event in events:
            try:
                with s.begin_nested():
                    results.append(
                        apply_event(
                            s,
                            event.payload,
                            source="relay",
                            desk=self.ctx.desk,
                            verifier=verifier,
                            settings=self.ctx.settings,
                        )
                    )
            except _transient_errors():
                raise
            except Exception as exc:
                if is_transient(exc):
                    raise  # the page runs again: nothing is wrong with the event
                log.exception(
                    "relay event %s (%s) could not be applied; held as a dead letter",
                    event.id,
                    event.type,
                )
                payload = event.payload if isinstance(event.payload, dict) else {}
                payload = {"id": event.id, "type": event.type, **payload}
                held.hold(s, payload, held.DEAD, source="relay", reason=held.describe_error(exc))
        row = s.get(SyncCursor, self.ctx.desk)
        if row is None:
            s.add(SyncCursor(desk=self.ctx.desk, cursor=events[-1].cursor))
        elif events[-1].cursor > row.cursor:
            row.cursor = events[-1].cursor
        return results

    # -- the loop --------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Sync until `stop` is set. Nothing ends the thread early: a relay or Stripe outage
        reads as offline; anything else (a locked ledger, a bug in a follow-up) is logged,
        shown as an error state, and the round is retried after a capped, jittered backoff."""
        offline_since: datetime | None = None
        while not stop.is_set():
            try:
                offline_since = self._round(stop, offline_since)
            except Exception as exc:
                self._failed(stop, exc)
            else:
                self.error_backoff.reset()
        self._publish(status=SyncStatus.STOPPED)

    def _round(self, stop: threading.Event, offline_since: datetime | None) -> datetime | None:
        """One long-poll and what follows; returns since when the relay is offline, or None."""
        # Until connected, ask without waiting: the status bar learns at once that the
        # relay answers, instead of after a whole long-poll.
        connected = self.state.status in (SyncStatus.CONNECTED, SyncStatus.CATCHING_UP)
        try:
            count = self.run_once(None if connected else 0)
        except RelayAuthError as exc:
            offline_since = offline_since or utcnow()
            self._publish(status=SyncStatus.OFFLINE, offline_since=offline_since, error=str(exc))
            stop.wait(60)  # a revoked token will not fix itself quickly
            return offline_since
        except _outages() as exc:
            offline_since = offline_since or utcnow()
            self._publish(
                status=SyncStatus.OFFLINE, offline_since=offline_since, error=_message(exc)
            )
            self._while_offline(offline_since)
            stop.wait(self.backoff.next_delay())
            return offline_since
        if offline_since is not None:
            self._back_online(offline_since)
        self.backoff.reset()
        if count < self.batch:
            self._publish(status=SyncStatus.CONNECTED, pending=0, offline_since=None, error="")
        return None

    def _failed(self, stop: threading.Event, exc: Exception) -> None:
        """An unexpected error: log it whole, show it in plain words, wait, and go on."""
        delay = self.error_backoff.next_delay()
        log.error("sync round failed; retrying in %.1f s", delay, exc_info=exc)
        try:
            self._publish(status=SyncStatus.ERROR, pending=0, error=plain_error(exc))
        except Exception:  # reporting must not end the thread either
            log.exception("could not report the sync error")
        stop.wait(delay)

    def _offline_long(self, since: datetime) -> bool:
        return utcnow() - since >= timedelta(seconds=self.offline_after)

    def _while_offline(self, since: datetime) -> None:
        if not self._offline_long(since) or self.gateway is None:
            return
        from kiosk.payments.poller import poll_once

        try:
            poll_once(self.ctx, self.gateway)
        except Exception as exc:
            log.info("offline poll of open attempts failed: %s", _message(exc))
        self._applied()  # what the poll applied before any failure counts too

    def _back_online(self, since: datetime) -> None:
        if not self._offline_long(since) or self.gateway is None:
            return
        from kiosk.payments.reconcile import reconcile

        try:
            report = reconcile(self.ctx, self.gateway, since - timedelta(minutes=5))
            log.info("back online after %s: reconcile %s", utcnow() - since, report)
        except Exception as exc:
            log.warning("reconcile after reconnect failed: %s", _message(exc))
        self._applied()


def _outages() -> tuple[type[Exception], ...]:
    """The relay or Stripe being unreachable: the desk is offline, not broken."""
    return (RelayError, *_transient_errors())


def _transient_errors() -> tuple[type[Exception], ...]:
    try:
        from kiosk.payments.errors import StripeUnavailable
    except ImportError:  # pragma: no cover - payments always ships with sync
        return ()
    return (StripeUnavailable,)


def _message(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


def plain_error(exc: BaseException) -> str:
    """One line for the status bar: the driver's own words for a database error (never
    the SQL or its parameters), the message otherwise."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError) and exc.orig is not None:
        text = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        return f"ledger: {text or type(exc.orig).__name__}"
    first = _message(exc).strip().splitlines()
    return (first[0] if first else type(exc).__name__)[:200]


def build_sync_loop(
    ctx: Context, *, on_state: StateCallback | None = None, wait: float = 25.0
) -> SyncLoop:
    """The desk's sync loop from its settings: relay.url, the relay token, the Stripe gateway."""
    from kiosk.secrets import get_secret

    client = RelayClient(str(ctx.settings.get("relay.url")), get_secret("relay_token") or "")
    gateway = None
    if get_secret("stripe_secret_key"):
        from kiosk.payments.gateway import StripeGateway

        gateway = StripeGateway.from_context(ctx)
    return SyncLoop(ctx, client, gateway=gateway, on_state=on_state, wait=wait)
