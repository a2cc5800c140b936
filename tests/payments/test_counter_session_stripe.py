"""Stripe payments taken at a desk with an open counter session count in its report (by
channel and by method), but never in its drawer; other desks' payments never do."""

from __future__ import annotations

from kiosk.ledger.cash_count import CashCount
from kiosk.ledger.counter import CloseRequest, close_session, open_session
from kiosk.ledger.counter_figures import session_figures
from kiosk.ledger.users import StaffUser
from kiosk.payments.attempts import start_payment
from kiosk.payments.poller import poll_once
from kiosk.payments.tender_types import Cash
from kiosk.payments.tenders import take_tender
from tests.payments.conftest import pay


def test_checkout_paid_at_the_desk_joins_its_session(ctx, gateway, client, invoice, staff):
    _, ravi = staff
    cashier = StaffUser(ravi.id, ravi.username, ravi.display_name, ravi.role)
    with ctx.ledger.begin() as s:
        open_session(s, desk=ctx.desk, currency="INR", float_minor=50_000, user=cashier)
    view = start_payment(ctx, gateway, invoice, 2_500_000)
    pay(client, view.stripe_id)
    assert [c.status for c in poll_once(ctx, gateway)] == ["paid"]
    take_tender(ctx, invoice, Cash(100_000))
    with ctx.ledger.begin() as s:
        row = close_session(s, ctx.desk, CloseRequest(CashCount("INR", {}, 150_000), cashier))
        figures = session_figures(s, row)
    assert row.variance == 0  # the card payment never reaches the drawer
    assert figures.by_channel["checkout"].amount == 2_500_000
    assert figures.by_method == {"card": figures.by_method["card"]}
    assert figures.by_method["card"].amount == 2_500_000
    assert figures.taken == 2_600_000


def test_payments_without_a_session_stay_unattributed(ctx, gateway, client, invoice):
    view = start_payment(ctx, gateway, invoice, 1_000_000)
    pay(client, view.stripe_id)
    poll_once(ctx, gateway)
    from sqlalchemy import select

    from kiosk.ledger.models import Payment

    with ctx.ledger.read() as s:
        assert s.scalar(select(Payment.counter_session_id)) is None
