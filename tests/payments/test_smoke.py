from __future__ import annotations

from kiosk.ledger.invoices import invoice_detail
from kiosk.payments.attempts import start_payment
from kiosk.payments.poller import poll_once
from tests.payments.conftest import pay


def test_checkout_paid_by_poll(ctx, gateway, client, invoice):
    view = start_payment(ctx, gateway, invoice, 2_000_000)
    assert view.url and view.stripe_id.startswith("cs_")
    pay(client, view.stripe_id)
    changes = poll_once(ctx, gateway)
    assert [c.status for c in changes] == ["paid"]
    with ctx.ledger.begin() as s:
        d = invoice_detail(s, invoice)
    assert d.row.paid == 2_000_000
    assert d.payments[0].receipt_number
