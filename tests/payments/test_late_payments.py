"""Issue 14: "paid after the desk cancelled" is decided by Stripe's clock, not the desk's.

`pay X --no-wait`, the student pays, `pay X` again: the first attempt is cancelled after
its money arrived at Stripe. That money came first and counts; only money Stripe completed
after it confirmed the session expired or the link deactivated is flagged late.
"""

from __future__ import annotations

import time
import uuid

import requests
from sqlalchemy import select

from kiosk.ledger.models import Payment, PaymentAttempt
from kiosk.payments import attempts
from kiosk.payments.apply import event_work
from kiosk.payments.attempts import cancel_attempt, start_payment
from kiosk.payments.gateway import StripeGateway
from kiosk.payments.verify import apply_in_ledger
from tests.payments.conftest import HOSTEL, KEY, TUITION, FaultyProxy, events_for, pay


def _payments(ctx) -> list[Payment]:
    with ctx.ledger.begin() as s:
        return list(s.scalars(select(Payment).order_by(Payment.id)))


def _relay(ctx, events, gateway) -> None:
    for event in events:
        work = event_work(event, source="relay", desk=ctx.desk, settings=ctx.settings)
        apply_in_ledger(ctx, gateway, work)


def _open_link_session(url: str) -> str:
    """What the student's phone does: open the link, land on a Checkout Session."""
    page = requests.get(url, allow_redirects=False, timeout=5)
    assert page.status_code == 303
    return page.headers["location"].rstrip("/").rsplit("/", 1)[-1]


def test_paid_then_pay_again_is_not_late_18_of_18(ctx, gateway, client, make_invoice):
    """The probe's case, 18 times over both channels: every payment counts, none is late."""
    for i in range(18):
        number = f"INV-L{i:02d}-{uuid.uuid4().hex[:6].upper()}"
        make_invoice(number, [("Tuition", TUITION, 1), ("Hostel", HOSTEL, 2)])
        channel = "checkout" if i % 2 == 0 else "payment-link"
        first = start_payment(ctx, gateway, number, 1_000_000, channel=channel)  # --no-wait
        session = first.stripe_id if channel == "checkout" else _open_link_session(first.url)
        pay(client, session)  # the student pays; the desk has not heard yet
        start_payment(ctx, gateway, number, 1_000_000)  # `pay X` again cancels the first
        _relay(ctx, events_for(client, first.public_id, first.stripe_id, session), gateway)
        assert attempts.attempt_view(ctx, first.public_id).status == "paid"
    paid = _payments(ctx)
    assert len(paid) == 18
    assert [p.flag for p in paid] == [""] * 18


def test_expire_refused_because_paid_counts_even_if_the_desk_learns_later(
    ctx, gateway, client, invoice
):
    """Stripe refuses to expire a completed session: nothing was closed, the money counts,
    whichever source (here the relay, after the cancel) brings it."""
    view = start_payment(ctx, gateway, invoice, 100_000)
    pay(client, view.stripe_id)
    offline = StripeGateway(KEY, "http://127.0.0.1:9", timeout=1, max_retries=0)
    cancel_attempt(ctx, offline, view.public_id)  # Stripe not told: nothing applied yet
    _relay(ctx, events_for(client, view.public_id, view.stripe_id), gateway)
    [payment] = _payments(ctx)
    assert payment.flag == ""
    with ctx.ledger.begin() as s:
        a = s.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == view.public_id))
        assert a.closed_at is None and a.status == "paid"


def test_link_paid_before_its_deactivation_counts_by_the_events_time(ctx, sandbox, client, invoice):
    """The desk deactivates the link, cannot list its sessions (Stripe fails), and learns
    the payment from the relay's event: the event's `created` says it came first."""
    proxy = FaultyProxy(sandbox.url, path_prefix="/v1/checkout/sessions", method="GET")
    try:
        gateway = StripeGateway(KEY, proxy.url, timeout=5, max_retries=0)
        view = start_payment(ctx, gateway, invoice, 100_000, channel="payment-link")
        session_id = _open_link_session(view.url)
        pay(client, session_id)
        proxy.fail_first = 100
        cancel_attempt(ctx, gateway, view.public_id)  # deactivated; the list fails
        assert client.v1.payment_links.retrieve(view.stripe_id).active is False
        with ctx.ledger.begin() as s:
            closed = s.scalar(
                select(PaymentAttempt.closed_at).where(PaymentAttempt.public_id == view.public_id)
            )
        assert closed is not None
        events = [
            e
            for e in events_for(client, view.public_id, view.stripe_id, session_id)
            if e["type"] == "checkout.session.completed"  # the PaymentIntent as an id only
        ]
        _relay(ctx, events, None)
    finally:
        proxy.close()
    [payment] = _payments(ctx)
    assert payment.flag == ""


def test_link_paid_after_its_deactivation_is_late(
    ctx, gateway, client, sandbox, invoice, monkeypatch
):
    view = start_payment(ctx, gateway, invoice, 100_000, channel="payment-link")
    session_id = _open_link_session(view.url)  # opened before the cancel
    cancel_attempt(ctx, gateway, view.public_id)
    # The student completes the session already open, 5 s after the deactivation.
    monkeypatch.setattr(sandbox.engine, "now", lambda: int(time.time()) + 5)
    pay(client, session_id)
    _relay(ctx, events_for(client, view.public_id, view.stripe_id, session_id), gateway)
    [payment] = _payments(ctx)
    assert payment.flag == "late_after_cancel"
