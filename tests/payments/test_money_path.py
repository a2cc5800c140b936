"""Issue 16's money-path defects 1, 2, 5 and 6, through the sandbox over loopback."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
import stripe
from sqlalchemy import select

from kiosk.ledger.invoices import invoice_detail
from kiosk.ledger.models import Refund
from kiosk.payments.apply import apply_event
from kiosk.payments.attempts import start_payment
from kiosk.payments.errors import StripeUnavailable
from kiosk.payments.gateway import StripeGateway
from kiosk.payments.poller import poll_once
from kiosk.payments.reconcile import reconcile
from kiosk.payments.refunds import poll_refunds, request_refund
from kiosk.sync.client import RelayClient, RelayEvent
from kiosk.sync.loop import SyncLoop
from tests.payments.conftest import KEY, FaultyProxy, events_for, pay


def stripe_client(sandbox) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": sandbox.url}, max_network_retries=0)


def refunds_at_stripe(client: stripe.StripeClient, pi: str) -> list[Any]:
    return list(client.v1.refunds.list({"payment_intent": pi}).data)


def committed_then_crashed(ctx, events: list[dict[str, Any]]) -> None:
    """Apply relay events, each committed, and do nothing after commit: the desk died."""
    for event in events:
        with ctx.ledger.begin() as s:
            apply_event(s, event, source="relay", desk=ctx.desk, settings=ctx.settings)


def paid_invoice(ctx, gateway, client, invoice, amount=300_000) -> str:
    """Pay `amount` by Checkout, recorded by poll; returns the PaymentIntent id."""
    view = start_payment(ctx, gateway, invoice, amount)
    pi = pay(client, view.stripe_id).payment_intent
    poll_once(ctx, gateway)
    return pi


# -- 1. one refund request refunds once, however late it is resolved --------------------------


@pytest.mark.parametrize("amount", [None, 100_000], ids=["full", "part"])
def test_refund_answer_lost_then_key_forgotten_refunds_once_and_says_succeeded(
    ctx, own_sandbox, invoice, staff, amount
):
    client = stripe_client(own_sandbox)
    gateway = StripeGateway(KEY, own_sandbox.url, timeout=5, max_retries=2)
    pi = paid_invoice(ctx, gateway, client, invoice)
    proxy = FaultyProxy(own_sandbox.url, path_prefix="/v1/refunds")
    try:
        proxy.delay_first, proxy.delay = 1, 30.0  # Stripe refunds; the answer never arrives
        lost = StripeGateway(KEY, proxy.url, timeout=1, max_retries=0)
        with pytest.raises(StripeUnavailable):
            request_refund(ctx, lost, pi, amount, "fee waived", staff[0])
        assert proxy.forwarded.is_set()
    finally:
        proxy.close()
    [made] = refunds_at_stripe(client, pi)
    with ctx.ledger.begin() as s:
        assert s.scalar(select(Refund.status)) == "requested"  # the desk never heard
    own_sandbox.engine.idempotency.advance(25 * 3600)  # a day later: the key is forgotten
    poll_refunds(ctx, gateway)
    assert [r.id for r in refunds_at_stripe(client, pi)] == [made.id]
    with ctx.ledger.begin() as s:
        row = s.scalar(select(Refund))
        assert (row.status, row.stripe_refund_id) == ("succeeded", made.id)
        assert invoice_detail(s, invoice).row.paid == 300_000 - made.amount


# -- 2. no Stripe call while a ledger write transaction is open ------------------------------


class WriterProbe(FaultyProxy):
    """A loopback proxy in front of the sandbox that, as each request arrives, tries to
    begin a write transaction on the desk's SQLite ledger without waiting: a second
    writer (another desk, the GUI) must never be blocked behind a Stripe call."""

    def __init__(self, upstream: str, db_path: str) -> None:
        super().__init__(upstream, path_prefix="/v1")
        self.db_path = db_path
        self.blocked: list[str] = []
        self.seen: list[str] = []

    def _plan(self, method: str, path: str) -> str:
        self.seen.append(f"{method} {path}")
        conn = sqlite3.connect(self.db_path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
        except sqlite3.OperationalError:
            self.blocked.append(f"{method} {path}")
        finally:
            conn.close()
        return super()._plan(method, path)


def relay_page(ctx, gateway, events: list[dict[str, Any]]) -> None:
    """The sync loop's page apply, on events as the relay hands them over."""
    loop = SyncLoop(ctx, RelayClient("http://127.0.0.1:9", "unused"), gateway=gateway)
    loop._apply_page(
        [RelayEvent(n, e["id"], e["type"], "", e) for n, e in enumerate(events, start=1)]
    )


def test_no_stripe_call_while_the_ledger_is_locked(ctx, sandbox, client, gateway, invoice, staff):
    probe = WriterProbe(sandbox.url, ctx.ledger.engine.url.database)
    try:
        probing = StripeGateway(KEY, probe.url, timeout=10, max_retries=0)
        # A session no attempt of ours made (its relay payload must be verified).
        cs = client.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "currency": "inr",
                "line_items": [
                    {
                        "price_data": {
                            "currency": "inr",
                            "unit_amount": 250_000,
                            "product_data": {"name": "Fees"},
                        },
                        "quantity": 1,
                    }
                ],
                "metadata": {"invoice": invoice},
                "success_url": "https://example.edu/ok",
            }
        )
        pi = pay(client, cs.id).payment_intent
        relay_page(ctx, probing, events_for(client, cs.id, pi))  # relay page, verified
        client.v1.refunds.create({"payment_intent": pi, "amount": 50_000})  # Dashboard
        relay_page(ctx, probing, events_for(client, pi))  # refund events, verified
        view = start_payment(ctx, probing, invoice, 100_000)
        pay(client, view.stripe_id)
        poll_once(ctx, probing)  # poll path
        request_refund(ctx, probing, payment_intent(ctx, 100_000), None, "withdrawn", staff[0])
        poll_refunds(ctx, probing)
    finally:
        probe.close()
    with ctx.ledger.begin() as s:
        detail = invoice_detail(s, invoice)
        assert detail.row.paid == 250_000 - 50_000  # everything above was applied
        assert sorted(r.status for r in detail.refunds) == ["succeeded", "succeeded"]
    assert any("/v1/checkout/sessions/" in p for p in probe.seen)  # the probe saw the reads
    assert any(p.startswith("GET /v1/refunds/") for p in probe.seen)
    assert probe.blocked == []


def payment_intent(ctx, amount: int) -> str:
    from kiosk.ledger.models import Payment

    with ctx.ledger.begin() as s:
        return s.scalar(select(Payment.stripe_payment_intent).where(Payment.amount == amount))


# -- 5. post-commit work survives a crash ------------------------------------------------------


def slip_then_paid_and_crashed(ctx, gateway, client, invoice):
    """A fee slip's link is live; the invoice is then paid at the desk and the payment is
    committed, but the desk dies before it deactivates the now-stale slip. (A single-use
    desk link deactivates itself at Stripe when paid; a slip's link has no such limit.)"""
    from kiosk.payments.attempts import create_fee_slip_link

    slip = create_fee_slip_link(ctx, gateway, invoice)
    view = start_payment(ctx, gateway, invoice, 100_000)
    pay(client, view.stripe_id)
    committed_then_crashed(ctx, events_for(client, view.public_id, view.stripe_id))
    assert client.v1.payment_links.retrieve(slip.stripe_id).active is True  # the crash
    return slip


def test_crash_after_commit_before_deactivating_the_stale_slip_then_next_poll_does_it(
    ctx, gateway, client, invoice
):
    slip = slip_then_paid_and_crashed(ctx, gateway, client, invoice)
    poll_once(ctx, gateway)  # the desk's next run
    assert client.v1.payment_links.retrieve(slip.stripe_id).active is False


# -- 6. an event that overtook its payment is applied once the payment is known -------------


def refund_before_payment(ctx, gateway, client, invoice) -> tuple[str, str]:
    """Paid at Stripe and refunded in the Dashboard; the refund's events reach the desk
    before anything about the payment. Returns (attempt public id, PaymentIntent)."""
    view = start_payment(ctx, gateway, invoice, 300_000)
    pi = pay(client, view.stripe_id).payment_intent
    client.v1.refunds.create({"payment_intent": pi, "amount": 100_000})
    refund_events = [e for e in events_for(client, pi) if "refund" in e["type"]]
    assert refund_events
    committed_then_crashed(ctx, refund_events)
    with ctx.ledger.begin() as s:
        assert s.scalar(select(Refund)) is None
    return view.public_id, pi


def refunded(ctx, invoice) -> list[str]:
    with ctx.ledger.begin() as s:
        detail = invoice_detail(s, invoice)
        assert detail.row.paid == 300_000 - 100_000
        return [r.status for r in detail.refunds]


def test_refund_event_before_its_payment_is_applied_when_a_poll_records_the_payment(
    ctx, gateway, client, invoice
):
    refund_before_payment(ctx, gateway, client, invoice)
    poll_once(ctx, gateway)  # records the payment, then the refund that waited for it
    assert refunded(ctx, invoice) == ["succeeded"]


def test_refund_event_before_its_payment_is_applied_by_reconcile(ctx, own_sandbox, invoice):
    client = stripe_client(own_sandbox)
    gateway = StripeGateway(KEY, own_sandbox.url, timeout=5, max_retries=2)
    _, pi = refund_before_payment(ctx, gateway, client, invoice)
    with ctx.ledger.begin() as s:  # the payment arrives, with no follow-up work after it
        apply_event(
            s,
            next(e for e in events_for(client, pi) if e["type"] == "payment_intent.succeeded"),
            source="relay",
            desk=ctx.desk,
            settings=ctx.settings,
        )
    reconcile(ctx, gateway)
    assert refunded(ctx, invoice) == ["succeeded"]


def test_follow_up_stripe_cannot_take_now_is_retried_with_backoff(
    ctx, sandbox, gateway, client, invoice
):
    from datetime import timedelta

    from kiosk.ledger.models import FollowUp, Invoice
    from kiosk.ledger.types import utcnow
    from kiosk.payments.outbox import STALE_FEE_SLIPS

    slip = slip_then_paid_and_crashed(ctx, gateway, client, invoice)
    proxy = FaultyProxy(sandbox.url, path_prefix=f"/v1/payment_links/{slip.stripe_id}")
    try:
        proxy.fail_first = 5
        poll_once(ctx, StripeGateway(KEY, proxy.url, timeout=5, max_retries=0))
    finally:
        proxy.close()
    assert client.v1.payment_links.retrieve(slip.stripe_id).active is True
    with ctx.ledger.begin() as s:
        invoice_id = s.scalar(select(Invoice.id).where(Invoice.number == invoice))
    follow_up = select(FollowUp).where(
        FollowUp.kind == STALE_FEE_SLIPS, FollowUp.target == str(invoice_id)
    )
    with ctx.ledger.begin() as s:
        row = s.scalar(follow_up)
        assert row.done_at is None and row.tries == 1 and "HTTP 500" in row.last_error
        assert row.next_attempt_at > utcnow()
    poll_once(ctx, gateway)  # not due yet: backing off
    assert client.v1.payment_links.retrieve(slip.stripe_id).active is True
    with ctx.ledger.begin() as s:
        s.scalar(follow_up).next_attempt_at = utcnow() - timedelta(seconds=1)  # time passes
    poll_once(ctx, gateway)
    assert client.v1.payment_links.retrieve(slip.stripe_id).active is False
    with ctx.ledger.begin() as s:
        assert s.scalar(follow_up).done_at is not None
