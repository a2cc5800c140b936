"""Edges of the apply path: delayed methods, Dashboard refunds, Stripe down mid-run."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.ledger.invoices import invoice_detail
from kiosk.ledger.models import HeldEvent, KeyValue, ProcessedEvent, Refund
from kiosk.payments import attempts
from kiosk.payments.attempt_records import record_attempt
from kiosk.payments.attempts import start_payment
from kiosk.payments.charges import ensure_customer
from kiosk.payments.errors import StripeUnavailable
from kiosk.payments.gateway import StripeGateway
from kiosk.payments.poller import poll_once
from kiosk.payments.reconcile import LAST_RUN, reconcile
from tests.payments.conftest import KEY, events_for, pay
from tests.payments.test_faults import closed_port


def apply(ctx, event, gateway=None):
    from tests.payments.test_faults import relay

    return relay(ctx, [event], gateway)[0]


def session_event(view, n, type_, status, payment_status, pi=None):
    return {
        "id": f"evt_{n}_{view.public_id}",
        "type": type_,
        "created": n,
        "data": {
            "object": {
                "id": view.stripe_id,
                "object": "checkout.session",
                "client_reference_id": view.public_id,
                "status": status,
                "payment_status": payment_status,
                "amount_total": view.amount,
                "currency": "inr",
                "payment_intent": pi,
                "metadata": {"attempt": view.public_id},
            }
        },
    }


def test_delayed_method_waits_for_async_success(ctx, gateway, invoice):
    view = start_payment(ctx, gateway, invoice, 100_000)
    pi = f"pi_async_{view.public_id}"
    submitted = apply(
        ctx, session_event(view, 1, "checkout.session.completed", "complete", "unpaid", pi)
    )
    assert [(c.status, c.reason) for c in submitted.changes] == [("open", "payment processing")]
    with ctx.ledger.begin() as s:
        assert invoice_detail(s, invoice).row.paid == 0
    landed = apply(
        ctx,
        session_event(view, 2, "checkout.session.async_payment_succeeded", "complete", "paid", pi),
    )
    assert landed.outcome == "applied"
    with ctx.ledger.begin() as s:
        assert invoice_detail(s, invoice).row.paid == 100_000


def test_delayed_method_that_fails(ctx, gateway, invoice):
    view = start_payment(ctx, gateway, invoice, 100_000)
    apply(ctx, session_event(view, 1, "checkout.session.completed", "complete", "unpaid", "pi_x"))
    failed = apply(
        ctx,
        session_event(
            view, 2, "checkout.session.async_payment_failed", "complete", "unpaid", "pi_x"
        ),
    )
    assert [(c.status, c.reason) for c in failed.changes] == [("failed", "bank payment failed")]
    with ctx.ledger.begin() as s:
        assert invoice_detail(s, invoice).row.paid == 0


def test_refund_made_in_the_dashboard_is_recorded_when_stripe_confirms(
    ctx, gateway, client, invoice
):
    view = start_payment(ctx, gateway, invoice, 300_000)
    paid = pay(client, view.stripe_id)
    poll_once(ctx, gateway)
    refund = client.v1.refunds.create({"payment_intent": paid.payment_intent, "amount": 50_000})
    events = events_for(client, refund.id)
    assert apply(ctx, events[0]).outcome == "deferred"  # unknown to the desk: verify first
    for event in events:
        apply(ctx, event, gateway)
    with ctx.ledger.begin() as s:
        [row] = s.scalars(select(Refund))
        assert row.status == "succeeded" and row.amount == 50_000
        assert invoice_detail(s, invoice).row.paid == 250_000


def test_events_that_are_not_ours_are_ignored(ctx, ledger):
    for n, (type_, obj) in enumerate(
        [
            ("payment_intent.succeeded", {"id": "pi_other", "status": "succeeded", "metadata": {}}),
            (
                "checkout.session.completed",
                {"id": "cs_other", "status": "complete", "payment_status": "paid", "metadata": {}},
            ),
            ("charge.refunded", {"id": "ch_other", "payment_intent": "pi_other"}),
            (
                "refund.updated",
                {"id": "re_other", "payment_intent": "pi_other", "status": "succeeded"},
            ),
        ]
    ):
        event = {"id": f"evt_other_{n}", "type": type_, "created": n, "data": {"object": obj}}
        # A refund of a payment the desk does not know may have overtaken that payment:
        # it waits for it (issue 16, defect 6) instead of being marked processed.
        expected = "waiting" if type_.startswith("refund.") else "ignored"
        assert apply(ctx, event).outcome == expected
    with ledger.begin() as s:
        assert len(list(s.scalars(select(ProcessedEvent)))) == 3
        [waiting] = s.scalars(select(HeldEvent)).all()
        assert (waiting.kind, waiting.waits_for) == ("waiting", "pi_other")


def test_reconcile_while_stripe_is_down_reports_and_keeps_its_mark(ctx, gateway, client, invoice):
    view = start_payment(ctx, gateway, invoice, 100_000)
    pay(client, view.stripe_id)
    down = StripeGateway(KEY, closed_port(), timeout=1, max_retries=0)
    report = reconcile(ctx, down)
    assert report.errors == ["Stripe is unreachable; retrying"]
    with ctx.ledger.begin() as s:
        assert s.get(KeyValue, LAST_RUN) is None
    report = reconcile(ctx, gateway)
    assert not report.errors and any("paid" in line for line in report.fixed)
    assert attempts.attempt_view(ctx, view.public_id).status == "paid"


def test_poll_while_stripe_is_down_raises_unavailable(ctx, gateway, invoice):
    start_payment(ctx, gateway, invoice, 100_000)
    down = StripeGateway(KEY, closed_port(), timeout=1, max_retries=0)
    with pytest.raises(StripeUnavailable):
        poll_once(ctx, down)


def test_expired_create_after_a_long_outage_fails_cleanly(ctx, gateway, client, invoice):
    """Down for longer than the expiry margin: Stripe refuses the re-issued create (it was
    never made), so the attempt fails and nobody was ever shown its URL."""
    from datetime import timedelta

    from kiosk.ledger.models import PaymentAttempt

    ensure_customer(ctx, gateway, invoice)
    public_id = record_attempt(ctx, invoice, 100_000, "checkout", None, live=True)
    with ctx.ledger.begin() as s:
        a = s.scalar(select(PaymentAttempt).where(PaymentAttempt.public_id == public_id))
        a.expires_at = a.expires_at - timedelta(minutes=10)
    [view] = attempts.resume_in_flight(ctx, gateway)
    assert view.status == "failed" and "30 minutes" in view.reason
    assert attempts.list_attempts(ctx, open_only=True) == []
    assert start_payment(ctx, gateway, invoice, 100_000).status == "open"


def test_event_deferred_by_a_desk_without_stripe_is_applied_by_reconcile(
    ctx, gateway, client, invoice
):
    """A session made outside the desk (no attempt of ours) reaches a desk that cannot
    verify it: nothing is credited, nothing is lost, and reconcile settles it."""
    cs = client.v1.checkout.sessions.create(
        {
            "mode": "payment",
            "metadata": {"invoice": invoice},
            "line_items": [
                {
                    "price_data": {
                        "currency": "inr",
                        "unit_amount": 80_000,
                        "product_data": {"name": "fees"},
                    },
                    "quantity": 1,
                }
            ],
            "success_url": "https://example.edu/ok",
        }
    )
    pay(client, cs.id)
    for event in events_for(client, cs.id):
        assert apply(ctx, event).outcome in ("deferred", "ignored")
    with ctx.ledger.begin() as s:
        assert invoice_detail(s, invoice).row.paid == 0
    report = reconcile(ctx, gateway)
    assert any(f"{invoice}: paid ₹800.00" in line for line in report.fixed)
    with ctx.ledger.begin() as s:
        assert invoice_detail(s, invoice).row.paid == 80_000


def test_a_link_session_with_its_payment_link_expanded_finds_the_attempt(ctx, gateway, invoice):
    """A session names its link by id, or as the whole link when a caller expanded it
    (`expand[]=data.payment_link`); either way the payment lands on the link's attempt."""
    view = start_payment(ctx, gateway, invoice, 100_000, channel="payment-link")
    event = session_event(view, 1, "checkout.session.completed", "complete", "paid", "pi_x1")
    cs = event["data"]["object"]
    cs.update(id="cs_from_link_1", client_reference_id=None, metadata={})
    cs["payment_link"] = {"id": view.stripe_id, "object": "payment_link", "active": True}
    result = apply(ctx, event)
    assert result.outcome == "applied" and result.payment_id is not None
    with ctx.ledger.begin() as s:
        assert invoice_detail(s, invoice).row.paid == 100_000
