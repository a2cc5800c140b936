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

from kiosk.ledger.models import SyncCursor
from kiosk.ledger.types import utcnow
from kiosk.sync.client import RelayAuthError, RelayClient, RelayError, RelayEvent
from kiosk.sync.state import SyncState, SyncStatus, store_state

log = logging.getLogger(__name__)

StateCallback = Callable[[SyncState], None]


class Backoff:
    """Exponential backoff with full jitter: 0.5 s doubling to `cap`."""

    def __init__(self, base: float = 0.5, cap: float = 30.0, rng=random.random) -> None:
        self.base, self.cap, self._rng, self.failures = base, cap, rng, 0

    def next_delay(self) -> float:
        self.failures += 1
        ceiling = min(self.cap, self.base * 2 ** (self.failures - 1))
        return ceiling / 2 + self._rng() * ceiling / 2

    def reset(self) -> None:
        self.failures = 0


class SyncLoop:
    def __init__(
        self,
        ctx,
        client: RelayClient,
        *,
        gateway=None,
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
        self.offline_after = float(ctx.settings.get("relay.offline_after_seconds"))

    # -- state -------------------------------------------------------------------------
    def _publish(self, **changes) -> None:
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
            self._on_state(new)

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
        return len(events)

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
        from kiosk.payments.apply import finish
        from kiosk.payments.verify import apply_in_ledger

        size = 1 if self.ctx.ledger.dialect == "postgresql" else len(events)
        results = []
        for start in range(0, len(events), size):
            part = events[start : start + size]
            results += retry_transient(
                lambda part=part: apply_in_ledger(
                    self.ctx, self.gateway, lambda s, v: self._page(s, v, part)
                ),
                what="relay page",
            )
        finish(self.ctx, self.gateway, results)
        self._publish(cursor=events[-1].cursor, last_event_at=utcnow(), pending=0)

    def _page(self, s, verifier, events: list[RelayEvent]) -> list:
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
        offline_since: datetime | None = None
        while not stop.is_set():
            # Until connected, ask without waiting: the status bar learns at once that the
            # relay answers, instead of after a whole long-poll.
            connected = self.state.status in (SyncStatus.CONNECTED, SyncStatus.CATCHING_UP)
            try:
                count = self.run_once(None if connected else 0)
            except RelayAuthError as exc:
                offline_since = offline_since or utcnow()
                self._publish(
                    status=SyncStatus.OFFLINE, offline_since=offline_since, error=str(exc)
                )
                stop.wait(60)  # a revoked token will not fix itself quickly
                continue
            except (RelayError, *_transient_errors()) as exc:
                offline_since = offline_since or utcnow()
                self._publish(
                    status=SyncStatus.OFFLINE, offline_since=offline_since, error=_message(exc)
                )
                self._while_offline(offline_since)
                stop.wait(self.backoff.next_delay())
                continue
            if offline_since is not None:
                self._back_online(offline_since)
                offline_since = None
            self.backoff.reset()
            if count < self.batch:
                self._publish(status=SyncStatus.CONNECTED, pending=0, offline_since=None, error="")
        self._publish(status=SyncStatus.STOPPED)

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

    def _back_online(self, since: datetime) -> None:
        if not self._offline_long(since) or self.gateway is None:
            return
        from kiosk.payments.reconcile import reconcile

        try:
            report = reconcile(self.ctx, self.gateway, since - timedelta(minutes=5))
            log.info("back online after %s: reconcile %s", utcnow() - since, report)
        except Exception as exc:
            log.warning("reconcile after reconnect failed: %s", _message(exc))


def _transient_errors() -> tuple[type[BaseException], ...]:
    try:
        from kiosk.payments.errors import StripeUnavailable
    except ImportError:  # pragma: no cover - payments always ships with sync
        return ()
    return (StripeUnavailable,)


def _message(exc: BaseException) -> str:
    return getattr(exc, "message", None) or str(exc) or type(exc).__name__


def build_sync_loop(ctx, *, on_state: StateCallback | None = None, wait: float = 25.0) -> SyncLoop:
    """The desk's sync loop from its settings: relay.url, the relay token, the Stripe gateway."""
    from kiosk.secrets import get_secret

    client = RelayClient(str(ctx.settings.get("relay.url")), get_secret("relay_token") or "")
    gateway = None
    if get_secret("stripe_secret_key"):
        from kiosk.payments.gateway import StripeGateway

        gateway = StripeGateway.from_context(ctx)
    return SyncLoop(ctx, client, gateway=gateway, on_state=on_state, wait=wait)
