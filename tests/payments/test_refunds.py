"""Refunds: supervisors only, bounded by what remains, reversed LIFO, confirmed by Stripe."""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from kiosk.cli.main import main
from kiosk.ledger.invoices import invoice_detail
from kiosk.ledger.models import AuditEntry, Receipt, Refund
from kiosk.payments.apply import apply_event
from kiosk.payments.attempts import create_fee_slip_link, start_payment
from kiosk.payments.errors import NotRefundable, PaymentError, StripeUnavailable
from kiosk.payments.gateway import StripeGateway
from kiosk.payments.poller import poll_once
from kiosk.payments.refunds import poll_refunds, refund_view, request_refund
from tests.payments.conftest import KEY, PASSWORD, TUITION, events_for, pay, wait_for
from tests.payments.test_faults import closed_port


def paid(ctx, gateway, client, invoice, amount, card="4242424242424242") -> str:
    """Pay `amount` and return the receipt number."""
    view = start_payment(ctx, gateway, invoice, amount)
    pay(client, view.stripe_id, card)
    poll_once(ctx, gateway)
    with ctx.ledger.begin() as s:
        return invoice_detail(s, invoice).payments[-1].receipt_number


def components(ctx, invoice) -> dict[str, int]:
    with ctx.ledger.begin() as s:
        return {c.name: c.paid for c in invoice_detail(s, invoice).components}


def test_partial_refunds_reverse_last_in_first_out(ctx, gateway, client, invoice, staff):
    supervisor, _ = staff
    receipt = paid(ctx, gateway, client, invoice, 5_500_000)
    assert components(ctx, invoice) == {"Tuition": TUITION, "Hostel": 500_000}
    view = request_refund(ctx, gateway, receipt, 600_000, "hostel place withdrawn", supervisor)
    assert view.status == "succeeded" and view.receipt_number and view.stripe_refund_id
    assert components(ctx, invoice) == {"Tuition": TUITION - 100_000, "Hostel": 0}
    with pytest.raises(NotRefundable, match=r"₹49,000\.00 of this payment remains"):
        request_refund(ctx, gateway, receipt, 4_900_001, "too much", supervisor)
    rest = request_refund(ctx, gateway, receipt, None, "withdrawn", supervisor)
    assert rest.amount == 4_900_000 and rest.status == "succeeded"
    with ctx.ledger.begin() as s:
        d = invoice_detail(s, invoice)
        assert d.row.paid == 0 and d.row.credit == 0 and d.row.status == "open"
        assert [r.status for r in d.refunds] == ["succeeded", "succeeded"]
        actions = list(s.scalars(select(AuditEntry.action)))
        assert actions.count("refund.requested") == 2 and "refund.succeeded" in actions
    with pytest.raises(NotRefundable):
        request_refund(ctx, gateway, receipt, None, "again", supervisor)


def test_overpayment_is_credit_and_a_refund_takes_credit_first(
    ctx, gateway, client, sandbox, make_invoice, staff, monkeypatch
):
    supervisor, _ = staff
    number = f"INV-CR-{id(ctx)}"
    make_invoice(number, [("Exam", 100_000, 1)])
    slip = create_fee_slip_link(ctx, gateway, number)  # printed earlier, paid by a parent...
    page = requests.get(slip.url, allow_redirects=False, timeout=5)
    slip_session = page.headers["location"].rstrip("/").rsplit("/", 1)[-1]
    receipt = paid(ctx, gateway, client, number, 100_000)  # ...while the student pays here
    # The parent completes the slip's session after the desk deactivated it (5 s later on
    # Stripe's clock): late, by Stripe's time (issue 14).
    monkeypatch.setattr(sandbox.engine, "now", lambda: int(time.time()) + 5)
    pay(client, slip_session)
    poll_once(ctx, gateway)
    with ctx.ledger.begin() as s:
        d = invoice_detail(s, number)
    assert d.row.paid == 100_000 and d.row.credit == 100_000 and d.row.status == "paid"
    # The slip went stale when the balance changed; its payment is late and all credit.
    assert sorted(p.flag for p in d.payments) == ["", "late_after_cancel"]
    extra = next(p for p in d.payments if p.flag)
    assert extra.allocations == []
    request_refund(ctx, gateway, extra.receipt_number, None, "paid twice", supervisor)
    with ctx.ledger.begin() as s:
        d = invoice_detail(s, number)
    assert d.row.paid == 100_000 and d.row.credit == 0 and d.row.status == "paid"
    assert receipt


def test_only_supervisors_refund(ctx, gateway, client, invoice, staff):
    _, cashier = staff
    receipt = paid(ctx, gateway, client, invoice, 100_000)
    with pytest.raises(PaymentError, match="supervisor must approve"):
        request_refund(ctx, gateway, receipt, None, "why not", cashier)


def test_refund_command_needs_a_supervisor_and_the_password(
    ctx, home, gateway, client, invoice, staff, monkeypatch, capsys, sandbox
):
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    receipt = paid(ctx, gateway, client, invoice, 200_000)
    base = ["--home", str(home), "refund", receipt, "--amount", "500", "--reason", "typo"]
    monkeypatch.setenv("FEE_KIOSK_SUPERVISOR_PASSWORD", PASSWORD)
    assert main([*base, "--as", "ravi"]) == 1
    assert "supervisor must approve" in capsys.readouterr().err
    monkeypatch.setenv("FEE_KIOSK_SUPERVISOR_PASSWORD", "wrong password")
    assert main([*base, "--as", "meera"]) == 1
    assert "wrong username or password" in capsys.readouterr().err
    monkeypatch.setenv("FEE_KIOSK_SUPERVISOR_PASSWORD", PASSWORD)
    assert main([*base, "--as", "meera"]) == 0
    out = capsys.readouterr().out
    assert "₹500.00: succeeded" in out and "refund note" in out
    with ctx.ledger.begin() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "refund.requested"))
        assert entry.username == "meera" and "typo" in entry.details


def test_refund_that_fails_is_shown_failed_and_undone(ctx, gateway, client, invoice, staff):
    supervisor, _ = staff
    receipt = paid(ctx, gateway, client, invoice, 300_000, card="4000000000005126")
    view = request_refund(ctx, gateway, receipt, 100_000, "duplicate payment", supervisor)
    assert view.status == "succeeded"  # at first, as Stripe reports it
    assert components(ctx, invoice)["Tuition"] == 200_000

    def failed():
        poll_refunds(ctx, gateway)
        return refund_view(ctx, view.id).status == "failed"

    wait_for(failed, what="the refund to fail")
    final = refund_view(ctx, view.id)
    assert final.failure_reason == "expired_or_canceled_card"
    assert components(ctx, invoice)["Tuition"] == 300_000  # the money never left
    with ctx.ledger.begin() as s:
        assert invoice_detail(s, invoice).row.credit == 0
        assert s.scalar(select(Receipt.number).where(Receipt.refund_id == view.id))


def test_failed_refund_by_relay_events(ctx, gateway, client, invoice, staff):
    supervisor, _ = staff
    receipt = paid(ctx, gateway, client, invoice, 300_000, card="4000000000005126")
    view = request_refund(ctx, gateway, receipt, None, "duplicate payment", supervisor)

    def failure_events():
        events = events_for(client, view.stripe_refund_id)
        return events if any(e["type"] == "refund.failed" for e in events) else None

    events = wait_for(failure_events, what="refund.failed")
    for event in events + events:
        with ctx.ledger.begin() as s:
            apply_event(s, event, source="relay", desk=ctx.desk, settings=ctx.settings)
    assert refund_view(ctx, view.id).status == "failed"
    assert components(ctx, invoice)["Tuition"] == 300_000


def test_refund_while_stripe_is_unreachable_is_sent_once_later(
    ctx, gateway, client, invoice, staff
):
    supervisor, _ = staff
    receipt = paid(ctx, gateway, client, invoice, 300_000)
    offline = StripeGateway(KEY, closed_port(), timeout=1, max_retries=0)
    with pytest.raises(StripeUnavailable):
        request_refund(ctx, offline, receipt, 100_000, "later", supervisor)
    with ctx.ledger.begin() as s:
        [row] = s.scalars(select(Refund))
        assert row.status == "requested" and row.stripe_refund_id is None
        pi = row.payment.stripe_payment_intent
    with pytest.raises(NotRefundable):  # the requested one counts against what remains
        request_refund(ctx, offline, receipt, 200_001, "too much", supervisor)
    poll_refunds(ctx, gateway)
    poll_refunds(ctx, gateway)
    assert [r.amount for r in client.v1.refunds.list({"payment_intent": pi}).data] == [100_000]
    assert components(ctx, invoice)["Tuition"] == 200_000
