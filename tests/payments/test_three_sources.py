"""A payment lands exactly once whether it arrives by poll, relay event or reconcile."""

from __future__ import annotations

import itertools
import json

import pytest
import stripe
from sqlalchemy import func, select

from kiosk.cli.main import main
from kiosk.ledger.invoices import invoice_detail
from kiosk.ledger.models import Allocation, Payment, ProcessedEvent, Receipt
from kiosk.payments.apply import apply_event, publish_result
from kiosk.payments.attempts import start_payment
from kiosk.payments.errors import AmountError
from kiosk.payments.poller import poll_once
from kiosk.payments.reconcile import reconcile
from kiosk.payments.verify import apply_in_ledger
from tests.payments.conftest import HOSTEL, KEY, TUITION, events_for, pay


@pytest.fixture
def cli_env(monkeypatch, sandbox):
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)


@pytest.fixture
def sandbox(own_sandbox):
    """This module reads Stripe's whole events list: a sandbox per test keeps it short."""
    return own_sandbox


@pytest.fixture
def client(sandbox):
    return stripe.StripeClient(KEY, base_addresses={"api": sandbox.url}, max_network_retries=0)


def start_with_cli(home, capsys, number: str, amount: str) -> dict:
    assert (
        main(["--home", str(home), "pay", number, "--amount", amount, "--no-wait", "--json"]) == 0
    )
    return json.loads(capsys.readouterr().out)


def relay(ctx, gateway, events):
    for event in events:
        result = apply_in_ledger(
            ctx,
            gateway,
            lambda s, v, event=event: apply_event(
                s, event, source="relay", desk=ctx.desk, verifier=v, settings=ctx.settings
            ),
        )
        publish_result(result)


def by_poll(ctx, gateway, client, ids):
    poll_once(ctx, gateway)


def by_relay(ctx, gateway, client, ids):
    relay(ctx, gateway, events_for(client, *ids))


def by_reconcile(ctx, gateway, client, ids):
    reconcile(ctx, gateway)


SOURCES = {"poll": by_poll, "relay": by_relay, "reconcile": by_reconcile}


def assert_landed_once(ctx, number: str, amount: int) -> None:
    with ctx.ledger.begin() as s:
        assert s.scalar(select(func.count()).select_from(Payment)) == 1
        assert s.scalar(select(func.count()).select_from(Receipt)) == 1
        assert s.scalar(select(func.sum(Allocation.amount))) == amount
        d = invoice_detail(s, number)
    assert d.row.paid == amount
    assert d.row.credit == 0
    assert d.payments[0].receipt_number and d.payments[0].card_last4 in ("4242", "")
    return d


@pytest.mark.parametrize("source", SOURCES)
def test_pay_command_lands_once_by_each_source(
    source, ctx, home, gateway, client, invoice, cli_env, capsys
):
    out = start_with_cli(home, capsys, invoice, "55,000")
    assert out["invoice"] == invoice and out["amount"] == 5_500_000 and out["currency"] == "INR"
    assert out["stripe_id"].startswith("cs_") and out["status"] == "open" and out["url"]
    pay(client, out["stripe_id"])
    SOURCES[source](ctx, gateway, client, (out["attempt_id"], out["stripe_id"]))
    d = assert_landed_once(ctx, invoice, 5_500_000)
    # Tuition (priority 1) fills first, the rest goes to Hostel.
    assert {c.name: c.paid for c in d.components} == {"Tuition": TUITION, "Hostel": 500_000}
    assert d.row.status == "partially_paid"
    assert d.payments[0].source == source


def test_all_three_sources_in_every_order_many_times(
    ctx, home, gateway, client, invoice, cli_env, capsys
):
    out = start_with_cli(home, capsys, invoice, "61,000")
    pay(client, out["stripe_id"])
    ids = (out["attempt_id"], out["stripe_id"])
    for order in itertools.permutations(SOURCES):
        for name in order:
            SOURCES[name](ctx, gateway, client, ids)
    d = assert_landed_once(ctx, invoice, TUITION + HOSTEL)
    assert d.row.status == "paid"
    with ctx.ledger.begin() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedEvent)) >= 3


def test_events_replayed_in_reverse_and_twice(ctx, home, gateway, client, invoice, cli_env, capsys):
    out = start_with_cli(home, capsys, invoice, "1000")
    pay(client, out["stripe_id"])
    events = events_for(client, out["attempt_id"], out["stripe_id"])
    types = [e["type"] for e in events]
    assert "checkout.session.completed" in types and "payment_intent.succeeded" in types
    assert "charge.succeeded" in types
    relay(ctx, gateway, list(reversed(events)) + events)
    assert_landed_once(ctx, invoice, 100_000)
    with ctx.ledger.begin() as s:
        payment = s.scalar(select(Payment))
        assert payment.stripe_session_id == out["stripe_id"]  # learnt after the PI event
        assert (payment.card_brand, payment.card_last4) == ("visa", "4242")


def test_two_desks_on_one_sqlite_file_apply_the_same_events_at_once(
    ctx, home, gateway, client, invoice
):
    import threading

    from kiosk.context import Context

    view = start_payment(ctx, gateway, invoice, 700_000)
    pay(client, view.stripe_id)
    events = events_for(client, view.public_id, view.stripe_id)
    other = Context(home)  # a second engine on the same file, as a second process would
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def desk(c, evs):
        try:
            barrier.wait(10)
            relay(c, gateway, evs)
            poll_once(c, gateway)
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=desk, args=(ctx, events)),
        threading.Thread(target=desk, args=(other, list(reversed(events)))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    other.ledger.close()
    assert not failures
    assert_landed_once(ctx, invoice, 700_000)


def test_partial_payments_fill_components_in_order_until_paid(ctx, gateway, client, invoice):
    for amount, expected in [
        (4_000_000, {"Tuition": 4_000_000, "Hostel": 0}),
        (1_500_000, {"Tuition": TUITION, "Hostel": 500_000}),
        (None, {"Tuition": TUITION, "Hostel": HOSTEL}),
    ]:
        view = start_payment(ctx, gateway, invoice, amount)
        pay(client, view.stripe_id)
        poll_once(ctx, gateway)
        with ctx.ledger.begin() as s:
            d = invoice_detail(s, invoice)
        assert {c.name: c.paid for c in d.components} == expected
    assert d.row.status == "paid" and d.row.credit == 0
    assert len({p.receipt_number for p in d.payments}) == 3
    with pytest.raises(AmountError, match="nothing left to pay"):
        start_payment(ctx, gateway, invoice, None)
