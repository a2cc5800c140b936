"""Issue 16, defect 4: a relay event is never skipped. A transient database error reruns
the page; an event that cannot be applied becomes a dead letter that `sync --status` and
`reconcile` show and `sync --retry-dead` retries."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select

from kiosk.cli.main import main
from kiosk.ledger.invoices import invoice_row
from kiosk.ledger.models import Payment
from kiosk.payments import held
from kiosk.payments.attempts import start_payment
from kiosk.payments.gateway import StripeGateway
from kiosk.sync.client import RelayClient
from kiosk.sync.loop import build_sync_loop
from tests.sync.conftest import post_poison, wait_for
from tests.sync.test_sync import all_delivered, pay

RECORDING = ("checkout.session.completed", "payment_intent.succeeded")


@contextmanager
def database_fails(ctx, error: Exception, times: int = 10**6) -> Iterator[list]:
    """The ledger's driver raises `error` the first `times` times a payment is about to be
    allocated (a statement reading fee_components), as SQLite does when another writer
    held the lock past the busy timeout."""
    raised: list[str] = []

    def before(conn, cursor, statement, params, context, executemany):
        if len(raised) < times and "FROM fee_components" in statement:
            raised.append(statement)
            raise error

    event.listen(ctx.ledger.engine, "before_cursor_execute", before)
    try:
        yield raised
    finally:
        event.remove(ctx.ledger.engine, "before_cursor_execute", before)


def paid_and_relayed(wiring, invoice) -> int:
    """A desk payment, paid, with its events waiting at the relay; returns how many of
    them would record the payment (each source of the same money)."""
    ctx = wiring.ctx
    attempt = start_payment(ctx, StripeGateway.from_context(ctx), invoice, 700_000)
    pay(wiring.sandbox.url, attempt.stripe_id)
    # every event of the payment at the relay: deliveries are shuffled and jittered
    wait_for(lambda: all_delivered(wiring.sandbox.url), what="every webhook delivered")
    relay = RelayClient(wiring.relay.url, wiring.token)
    wait_for(
        lambda: {e.type for e in relay.fetch(0, wait=0)[0]} >= set(RECORDING),
        what="the payment's events at the relay",
    )
    events = relay.fetch(0, limit=1000, wait=0)[0]
    return sum(e.type in RECORDING and not e.id.startswith("evt_poison") for e in events)


def sync_all(ctx) -> None:
    loop = build_sync_loop(ctx, wait=0)
    while loop.run_once(0):
        pass


def payment_count(ctx) -> int:
    with ctx.ledger.begin() as s:
        return int(s.scalar(select(func.count()).select_from(Payment)))


def paid(ctx, invoice: str) -> int:
    with ctx.ledger.begin() as s:
        return invoice_row(s, invoice).paid


def test_database_is_locked_while_applying_reruns_the_page_instead_of_skipping(wiring, invoice):
    ctx = wiring.ctx
    recording = paid_and_relayed(wiring, invoice)
    # Locked once for every event that could record the payment: skipping them all
    # would lose it.
    locked = sqlite3.OperationalError("database is locked")
    with database_fails(ctx, locked, times=recording) as raised:
        sync_all(ctx)
    assert len(raised) == recording >= 2
    assert payment_count(ctx) == 1 and paid(ctx, invoice) == 700_000
    assert held.counts(ctx) == held.HeldCounts()


def test_unusable_events_are_dead_letters_shown_and_retried(wiring, invoice, capsys):
    ctx = wiring.ctx
    post_poison(wiring)
    recording = paid_and_relayed(wiring, invoice)
    with database_fails(ctx, sqlite3.IntegrityError("injected: not a transient error")):
        sync_all(ctx)
    assert payment_count(ctx) == 0 and paid(ctx, invoice) == 0  # held; the cursor moved on
    dead = recording + 1
    assert held.counts(ctx).dead == dead
    assert main(["--home", str(ctx.home), "sync", "--status"]) == 0
    out = capsys.readouterr().out
    assert "dead letter evt_poison_dead" in out and "IntegrityError" in out
    assert f"{dead} event(s) could not be applied" in out
    assert main(["--home", str(ctx.home), "sync", "--retry-dead"]) == 1  # the poison stays
    out = capsys.readouterr().out
    assert f"retried {dead} dead letter(s): {dead - 1} applied, 1 still held" in out
    assert payment_count(ctx) == 1 and paid(ctx, invoice) == 700_000
    assert [d[0] for d in held.dead_letters(ctx)] == ["evt_poison_dead"]
    from kiosk.payments.reconcile import reconcile

    report = reconcile(ctx, StripeGateway.from_context(ctx))
    assert "1 event(s) could not be applied" in str(report)
    assert payment_count(ctx) == 1
