"""Issue 16, defect 3: an unexpected error never ends the sync thread silently.

Faults are injected into the ledger (a "database is locked" at the page's commit), the way
the other fault tests inject them; the relay and the sandbox are the real loopback servers.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from kiosk.ledger.models import SyncCursor
from kiosk.ledger.retry import TRIES
from kiosk.payments.attempts import start_payment
from kiosk.payments.gateway import StripeGateway
from kiosk.sync.loop import Backoff, build_sync_loop
from kiosk.sync.state import SyncStatus
from tests.sync.conftest import Running, wait_for
from tests.sync.test_sync import pay, payments


class LockedLedger:
    """Fails the commit that moves the desk's cursor, `times` times, as SQLite does when
    another writer holds the lock past the busy timeout."""

    def __init__(self, ledger, times: int) -> None:
        self.ledger, self.left, self.raised = ledger, times, 0
        event.listen(ledger.sessions, "before_commit", self)

    def __call__(self, session) -> None:
        moving_cursor = any(isinstance(o, SyncCursor) for o in (*session.new, *session.dirty))
        if moving_cursor and self.left > 0:
            self.left -= 1
            self.raised += 1
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    def remove(self) -> None:
        event.remove(self.ledger.sessions, "before_commit", self)


def _paid_session_at_relay(wiring, invoice: str, amount: int) -> None:
    attempt = start_payment(wiring.ctx, StripeGateway.from_context(wiring.ctx), invoice, amount)
    pay(wiring.sandbox.url, attempt.stripe_id)


def _loop(ctx, states: list):
    loop = build_sync_loop(ctx, wait=0.5, on_state=states.append)
    loop.error_backoff = Backoff(base=0.05, cap=0.2)  # the same policy, test-sized
    return loop


def test_a_locked_ledger_once_shows_an_error_and_the_loop_goes_on(wiring, invoice):
    ctx = wiring.ctx
    # A page retries a transient error TRIES times itself; a lock outlasting that reaches
    # the loop, which must report it and go on.
    locked = LockedLedger(ctx.ledger, times=TRIES)
    states: list = []
    loop = _loop(ctx, states)
    try:
        with Running(loop) as running:
            wait_for(lambda: loop.state.status is SyncStatus.CONNECTED, what="connected")
            _paid_session_at_relay(wiring, invoice, 1_000_000)
            wait_for(lambda: locked.raised == TRIES, timeout=20, what="the injected locks")
            wait_for(lambda: payments(ctx, invoice), timeout=20, what="the payment, retried")
            wait_for(lambda: loop.state.status is SyncStatus.CONNECTED, what="connected again")
            assert running.thread.is_alive()
    finally:
        locked.remove()
    errors = [s for s in states if s.status is SyncStatus.ERROR]
    assert errors, "the error was never reported"
    assert errors[0].error == "ledger: database is locked"
    assert "database is locked" in errors[0].describe("UTC")
    assert "COMMIT" not in errors[0].error  # the driver's words, not the SQL
    assert states.index(errors[0]) < max(
        i for i, s in enumerate(states) if s.status is SyncStatus.CONNECTED
    )
    assert len(payments(ctx, invoice)) == 1
    assert loop.error_backoff.failures == 0  # reset once a round succeeded


def test_repeated_errors_back_off_and_the_loop_recovers(wiring, invoice):
    ctx = wiring.ctx
    locked = LockedLedger(ctx.ledger, times=4 * TRIES)  # four rounds fail at the loop
    states: list = []
    loop = _loop(ctx, states)
    seen_failures: list[int] = []
    real_next = loop.error_backoff.next_delay

    def next_delay() -> float:
        delay = real_next()
        seen_failures.append(loop.error_backoff.failures)
        return delay

    loop.error_backoff.next_delay = next_delay  # type: ignore[method-assign]
    _paid_session_at_relay(wiring, invoice, 700_000)
    try:
        with Running(loop) as running:
            wait_for(lambda: payments(ctx, invoice), timeout=30, what="the payment at last")
            wait_for(lambda: loop.state.status is SyncStatus.CONNECTED, what="connected")
            assert running.thread.is_alive()
    finally:
        locked.remove()
    assert locked.raised == 4 * TRIES
    assert seen_failures == [1, 2, 3, 4]  # each retry waits longer (capped, jittered)
    assert len(payments(ctx, invoice)) == 1
    assert loop.cursor() > 0


def test_the_error_backoff_is_capped():
    b = Backoff(base=1.0, cap=60.0, rng=lambda: 1.0)
    assert [b.next_delay() for _ in range(9)][-3:] == [60.0, 60.0, 60.0]
