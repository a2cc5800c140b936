"""Receipts without a cashier's click: auto-print after a payment, and the background
catch-up that renders receipts for money that arrived by relay or fee slip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import fresh_invoice, select_invoice
from tests.ui.test_payment_flow import _pay, _start

pytestmark = pytest.mark.slow


def test_auto_print_goes_straight_to_the_printer_and_says_when_there_is_none(
    qtbot, demo, demo_window, monkeypatch
):
    from ui.printing import PrintDialog

    monkeypatch.setattr(
        PrintDialog, "ask", classmethod(lambda cls, *a: pytest.fail("auto-print asked"))
    )
    demo.ctx.settings.set("receipts.auto_print", "true")
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, attempt = _start(qtbot, win)
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _pay(demo, attempt.stripe_id)
    # This machine has no printer: said plainly, and the receipt stays to print again.
    assert "Not printed" in dlg.receipt_page.note.text()
    assert dlg.receipt_page.print_button.isEnabled()


def test_a_receipt_for_money_that_came_without_the_desk_is_rendered(qtbot, demo, demo_window):
    from sqlalchemy import select

    from kiosk.ledger.models import Payment, Receipt
    from kiosk.payments.attempts import start_payment
    from kiosk.payments.gateway import StripeGateway

    ctx = demo.ctx
    number = fresh_invoice(ctx)
    attempt = start_payment(ctx, StripeGateway.from_context(ctx), number, None)
    _pay(demo, attempt.stripe_id)  # paid on the phone; the desk only hears of it

    def rendered() -> bool:
        with ctx.ledger.read() as s:
            receipt = s.scalar(
                select(Receipt)
                .join(Payment, Payment.id == Receipt.payment_id)
                .where(Payment.invoice.has(number=number))
            )
            return bool(receipt and receipt.file_path and Path(receipt.file_path).exists())

    demo_window.services.catch_up_receipts()  # what the 30 s timer does
    qtbot.waitUntil(rendered, timeout=30_000)
