"""Issue 16, defect 4 on PostgreSQL: a real deadlock while a relay event is applied makes
the page run again; the event is never skipped."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from kiosk.ledger.invoices import invoice_detail
from kiosk.ledger.models import Invoice
from kiosk.payments import held
from kiosk.payments.attempts import start_payment
from kiosk.payments.gateway import StripeGateway
from tests.payments.conftest import KEY, events_for, pay
from tests.payments.test_money_path import relay_page
from tests.payments.test_two_desks_postgres import NUMBER, desks  # noqa: F401  (fixture)
from tests.waiting import wait_for

pytestmark = pytest.mark.postgres


def waiting_on_a_lock(ctx) -> bool:
    with ctx.ledger.engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        )


def test_deadlock_while_applying_a_relay_event_reruns_it(desks, own_sandbox):  # noqa: F811
    import stripe

    desk = desks[0]
    gateway = StripeGateway(KEY, own_sandbox.url, timeout=5, max_retries=2)
    client = stripe.StripeClient(KEY, base_addresses={"api": own_sandbox.url})
    view = start_payment(desk, gateway, NUMBER, 300_000)
    pay(client, view.stripe_id)
    [completed] = [
        e
        for e in events_for(client, view.public_id, view.stripe_id)
        if e["type"] == "checkout.session.completed"
    ]
    other = desk.ledger.engine.connect()  # another writer, e.g. a second desk
    other.execute(text("SET deadlock_timeout = '30s'"))  # so the desk is the one aborted
    invoice_id = other.scalar(select(Invoice.id).where(Invoice.number == NUMBER).with_for_update())
    errors: list[BaseException] = []

    def sync() -> None:
        try:
            relay_page(desk, gateway, [completed])
        except BaseException as exc:
            errors.append(exc)

    page = threading.Thread(target=sync)
    page.start()
    try:
        # The desk has inserted the event's processed row and waits for the invoice lock;
        # the other writer now waits for that row: a deadlock PostgreSQL breaks by
        # aborting the desk's statement.
        wait_for(lambda: waiting_on_a_lock(desk), what="the desk to wait for the invoice")
        other.execute(
            text(
                "INSERT INTO processed_events (event_id, type, source, outcome, created, "
                "processed_at) VALUES (:e, 't', 'test', '', 0, now())"
            ),
            {"e": completed["id"]},
        )
    finally:
        other.rollback()
        other.close()
    page.join(60)
    assert not page.is_alive() and errors == []
    with desk.ledger.begin() as s:
        detail = invoice_detail(s, NUMBER)
        assert detail.row.id == invoice_id
        assert detail.row.paid == 300_000 and len(detail.payments) == 1
    assert held.counts(desk) == held.HeldCounts()
