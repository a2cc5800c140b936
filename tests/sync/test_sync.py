"""Desk sync end to end: sandbox → signed webhook → relay → long-poll → the one apply path."""

from __future__ import annotations

import subprocess
import sys

import pytest
import stripe
from sqlalchemy import event, func, select

from kiosk.ledger.invoices import invoice_row
from kiosk.ledger.models import Payment, SyncCursor
from kiosk.payments.attempts import start_payment
from kiosk.payments.gateway import StripeGateway
from kiosk.relay.storage.engine import make_engine
from kiosk.relay.tokens import revoke_token
from kiosk.sync.client import RelayAuthError, RelayClient
from kiosk.sync.loop import SyncLoop, build_sync_loop
from kiosk.sync.state import SyncStatus, load_state
from tests.sync.conftest import KEY, Running, post_poison, wait_for


def pay(sandbox_url: str, session_id: str, card: str = "4242424242424242") -> None:
    client = stripe.StripeClient(KEY, base_addresses={"api": sandbox_url}, max_network_retries=0)
    client.raw_request(
        "post", f"/v1/test_helpers/checkout/sessions/{session_id}/pay", card_number=card
    )


def all_delivered(sandbox_url: str) -> bool:
    """Every event the sandbox recorded has reached its webhook endpoints."""
    client = stripe.StripeClient(KEY, base_addresses={"api": sandbox_url}, max_network_retries=0)
    events = client.v1.events.list({"limit": 100}).data
    return bool(events) and all(e.pending_webhooks == 0 for e in events)


def payments(ctx, number: str) -> list[Payment]:
    with ctx.ledger.begin() as s:
        return list(
            s.scalars(
                select(Payment).join(Payment.invoice).where(Payment.invoice.has(number=number))
            )
        )


def balance(ctx, number: str) -> int:
    with ctx.ledger.begin() as s:
        return invoice_row(s, number).balance


def test_a_paid_session_reaches_the_desk_through_the_relay(wiring, invoice):
    ctx = wiring.ctx
    gateway = StripeGateway.from_context(ctx)
    attempt = start_payment(ctx, gateway, invoice, 2_000_000)
    states = []
    loop = build_sync_loop(ctx, wait=1, on_state=states.append)
    with Running(loop):
        wait_for(lambda: loop.state.status is SyncStatus.CONNECTED, what="connected")
        pay(wiring.sandbox.url, attempt.stripe_id)
        wait_for(lambda: payments(ctx, invoice), what="the payment")
    [payment] = payments(ctx, invoice)
    assert payment.source == "relay" and payment.amount == 2_000_000
    # The event names the PaymentIntent only; the card is read from Stripe after commit.
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
    assert balance(ctx, invoice) == 6_100_000 - 2_000_000
    assert loop.cursor() > 0
    assert SyncStatus.CONNECTED in {s.status for s in states}
    with ctx.ledger.begin() as s:
        assert load_state(s, ctx.desk).status is SyncStatus.STOPPED


def test_a_crash_before_commit_neither_skips_nor_doubles(wiring, invoice):
    ctx = wiring.ctx
    attempt = start_payment(ctx, StripeGateway.from_context(ctx), invoice, 1_000_000)
    pay(wiring.sandbox.url, attempt.stripe_id)
    # Every event of the payment at the relay (deliveries are shuffled and jittered).
    wait_for(lambda: all_delivered(wiring.sandbox.url), what="every webhook delivered")

    class Killed(BaseException):
        """Stands for the process dying: nothing after it runs, the transaction is lost."""

    def die_before_commit(session):
        if session.new or session.dirty:
            raise Killed

    event.listen(ctx.ledger.sessions, "before_commit", die_before_commit)
    loop = build_sync_loop(ctx, wait=0)
    with pytest.raises(Killed):
        loop.run_once(0)
    event.remove(ctx.ledger.sessions, "before_commit", die_before_commit)
    assert payments(ctx, invoice) == [] and loop.cursor() == 0  # nothing half-applied

    applied = build_sync_loop(ctx, wait=0).run_once(0)
    assert applied > 0
    assert build_sync_loop(ctx, wait=0).run_once(0) == 0  # the cursor moved with the effects
    assert len(payments(ctx, invoice)) == 1
    assert balance(ctx, invoice) == 5_100_000


def test_relay_down_then_back_loses_nothing(wiring, invoice):
    """Offline past the threshold the desk polls Stripe itself; back online it reconciles,
    and the webhook the relay receives late (Stripe retries) is not applied twice."""
    ctx = wiring.ctx
    attempt = start_payment(ctx, StripeGateway.from_context(ctx), invoice, 3_000_000)
    loop = build_sync_loop(ctx, wait=1)
    with Running(loop):
        wait_for(lambda: loop.state.status is SyncStatus.CONNECTED, what="connected")
        wiring.relay.stop()
        wait_for(lambda: loop.state.status is SyncStatus.OFFLINE, what="offline")
        assert loop.state.offline_since is not None
        assert "offline since" in loop.state.describe("UTC").lower()
        pay(wiring.sandbox.url, attempt.stripe_id)
        # Polling Stripe (the relay is still down) lands the payment.
        wait_for(lambda: payments(ctx, invoice), timeout=20, what="payment while offline")
        wiring.restart_relay()
        wait_for(lambda: loop.state.status is SyncStatus.CONNECTED, timeout=20, what="back")
        # The sandbox's retried webhook reaches the restarted relay, then the desk.
        relay = RelayClient(wiring.relay.url, wiring.token)
        wait_for(
            lambda: any(e.type == "checkout.session.completed" for e in relay.fetch(0, wait=0)[0]),
            timeout=20,
            what="the retried webhook at the relay",
        )
        last = relay.fetch(0, limit=1000, wait=0)[1]
        wait_for(lambda: loop.cursor() >= last, timeout=20, what="desk caught up")
    assert len(payments(ctx, invoice)) == 1
    assert balance(ctx, invoice) == 3_100_000


def test_a_rotated_secret_still_verifies(wiring, invoice):
    ctx = wiring.ctx
    wiring.relay.stop()
    wiring.restart_relay(["whsec_the_new_one_not_yet_used", wiring.whsec])
    attempt = start_payment(ctx, StripeGateway.from_context(ctx), invoice, 500_000)
    pay(wiring.sandbox.url, attempt.stripe_id)
    loop = build_sync_loop(ctx, wait=1)
    wait_for(lambda: loop.run_once(0.5) or payments(ctx, invoice), what="applied")
    assert payments(ctx, invoice)[0].source == "relay"


def test_a_revoked_token_shows_offline_with_the_reason(wiring):
    ctx = wiring.ctx
    engine = make_engine(wiring.relay_db)
    revoke_token(engine, "desk")
    engine.dispose()
    loop = build_sync_loop(ctx, wait=0)
    with pytest.raises(RelayAuthError):
        loop.run_once(0)
    with Running(loop):
        wait_for(lambda: loop.state.status is SyncStatus.OFFLINE, what="offline")
    assert "token" in loop.state.error


def test_each_desk_keeps_its_own_cursor_and_the_payment_lands_once(wiring, invoice):
    first = wiring.ctx
    second = wiring.desk("Desk 2")
    attempt = start_payment(first, StripeGateway.from_context(first), invoice, 1_500_000)
    pay(wiring.sandbox.url, attempt.stripe_id)
    a, b = build_sync_loop(first, wait=0), build_sync_loop(second, wait=0)
    wait_for(lambda: a.run_once(0.5) or payments(first, invoice), what="desk 1 applied")
    while b.run_once(0):
        pass
    with first.ledger.begin() as s:
        cursors = dict(s.execute(select(SyncCursor.desk, SyncCursor.cursor)).all())
        count = s.scalar(select(func.count()).select_from(Payment))
    assert set(cursors) == {first.desk, "Desk 2"} and cursors["Desk 2"] > 0
    assert count == 1
    second.ledger.close()


def test_unreachable_relay_is_reported_not_raised_as_a_traceback(ctx, monkeypatch):
    from kiosk.demo import free_port

    monkeypatch.setenv("FEE_KIOSK_RELAY_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("FEE_KIOSK_RELAY_TOKEN", "fk_test_token")
    proc = subprocess.run(
        [sys.executable, "main.py", "--home", str(ctx.home), "sync", "--once", "--wait", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "unreachable" in proc.stderr and "Traceback" not in proc.stderr
    assert "fk_test_token" not in proc.stderr + proc.stdout


def test_sync_status_reports_the_last_state(wiring, invoice):
    ctx = wiring.ctx
    loop = build_sync_loop(ctx, wait=1)
    with Running(loop):
        wait_for(lambda: loop.state.status is SyncStatus.CONNECTED, what="connected")
    proc = subprocess.run(
        [sys.executable, "main.py", "--home", str(ctx.home), "sync", "--status"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert ctx.desk in proc.stdout and "cursor" in proc.stdout


def test_backoff_grows_with_jitter_and_resets():
    from kiosk.sync.loop import Backoff

    b = Backoff(base=0.5, cap=8, rng=lambda: 1.0)
    assert [b.next_delay() for _ in range(6)] == [0.5, 1, 2, 4, 8, 8]
    low = Backoff(base=0.5, cap=8, rng=lambda: 0.0)
    assert [low.next_delay() for _ in range(3)] == [0.25, 0.5, 1]
    b.reset()
    assert b.next_delay() == 0.5


def test_sync_loop_needs_a_url_and_a_token(ctx):
    from kiosk.sync.client import RelayError

    with pytest.raises(RelayError, match="relay URL"):
        SyncLoop(ctx, RelayClient("", "x"))


def test_an_unusable_event_is_rolled_back_alone_and_does_not_block_the_next(wiring, invoice):

    from kiosk.ledger.models import ProcessedEvent

    ctx = wiring.ctx
    post_poison(wiring, "evt_poison_1")
    attempt = start_payment(ctx, StripeGateway.from_context(ctx), invoice, 700_000)
    pay(wiring.sandbox.url, attempt.stripe_id)
    relay = RelayClient(wiring.relay.url, wiring.token)
    wait_for(
        lambda: any(
            e.type == "checkout.session.completed" and e.id != "evt_poison_1"
            for e in relay.fetch(0, wait=0)[0]
        ),
        what="the real event",
    )
    loop = build_sync_loop(ctx, wait=0)
    while loop.run_once(0):
        pass
    with ctx.ledger.begin() as s:
        assert s.get(ProcessedEvent, "evt_poison_1") is None  # its partial writes rolled back
    assert len(payments(ctx, invoice)) == 1

    def caught_up() -> bool:  # the payment's later events may reach the relay meanwhile
        while loop.run_once(0):
            pass
        return loop.cursor() == relay.fetch(0, limit=1000, wait=0)[1]

    wait_for(caught_up, what="the loop past the poison, at the relay's newest event")


def test_connected_is_reported_before_the_first_long_poll_ends(wiring):
    import time

    loop = build_sync_loop(wiring.ctx, wait=25)
    started = time.monotonic()
    with Running(loop):
        wait_for(lambda: loop.state.status is SyncStatus.CONNECTED, timeout=5, what="connected")
        assert time.monotonic() - started < 5
        wiring.relay.stop()  # answers the long-poll now held, so the loop can stop
