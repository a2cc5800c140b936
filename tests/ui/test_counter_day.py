"""A counter's whole day through the desk's screens: open the counter with a float, take a
cash payment with change, a demand draft and a Stripe Checkout payment, and close with a
variance a supervisor approves. The ledger's figures are checked at the end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QDate

from kiosk.clock import desk_today
from tests.ui.conftest import fresh_invoice, select_invoice
from tests.ui.test_payment_flow import _pay, _start

pytestmark = pytest.mark.slow


def _tender(qtbot, win, kind: str, amount: str):
    win.take_payment()
    dlg = win.payment_dialog
    page = dlg.amount_page
    page.counter[kind].setChecked(True)
    page.amount.setText(amount)
    return dlg, page


def _receipt(qtbot, dlg, page) -> str:
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000) as shown:
        page.start.click()
    return shown.args[0]


def test_a_counter_day_from_open_to_a_supervised_close(qtbot, demo, demo_window, monkeypatch):
    from ui.payment_dialog import Browser

    opened_urls: list[str] = []
    monkeypatch.setattr(
        Browser, "open", classmethod(lambda cls, url: opened_urls.append(url) or True)
    )
    win = demo_window
    ctx = demo.ctx
    # open the counter with ₹5,000 in the drawer
    win.counter.open_counter()
    opening = win.counter_open_dialog
    opening.float_edit.setText("5,000")
    with qtbot.waitSignal(opening.opened, timeout=10_000) as opened:
        opening.ok.click()
    session = opened.args[0]
    qtbot.waitUntil(lambda: session in win.statusBar().counter.text(), timeout=10_000)

    # cash: ₹10,000 paid with ₹12,000 handed over; ₹2,000 change in large type
    select_invoice(qtbot, win, fresh_invoice(ctx))
    dlg, page = _tender(qtbot, win, "cash", "10,000")
    page.fields.tendered.setText("12,000")
    assert page.fields.change.text() == "Change due ₹2,000.00"
    cash_receipt = _receipt(qtbot, dlg, page)
    assert dlg.receipt_page.change.text() == "Change due ₹2,000.00"
    dlg.accept()

    # a demand draft of ₹5,000, dated yesterday: received subject to realisation
    select_invoice(qtbot, win, fresh_invoice(ctx))
    dlg, page = _tender(qtbot, win, "dd", "5,000")
    yesterday = desk_today(ctx.settings) - timedelta(days=1)
    page.fields.number.setText("778812")
    page.fields.bank.setText("Canara Bank")
    page.fields.dated.setDate(QDate(yesterday.year, yesterday.month, yesterday.day))
    dd_receipt = _receipt(qtbot, dlg, page)
    dlg.accept()

    # a Stripe Checkout payment of ₹2,500, paid on the sandbox's page
    select_invoice(qtbot, win, fresh_invoice(ctx))
    dlg, attempt = _start(qtbot, win, qr=False, amount="2,500")
    assert opened_urls == [attempt.url]  # Checkout opened on the desk's browser
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _pay(demo, attempt.stripe_id)
    dlg.accept()

    # close: ₹15,000 expected (float + cash); ₹14,900 counted, ₹100 short
    qtbot.waitUntil(
        lambda: win.statusBar().counter.text() == f"{session} · ₹15,000.00 in the drawer",
        timeout=10_000,
    )
    win.counter.close_counter()
    qtbot.waitUntil(lambda: getattr(win, "counter_close_dialog", None) is not None, timeout=10_000)
    closing = win.counter_close_dialog
    assert closing.expected_label.text() == "₹15,000.00"
    closing.count.set_count({500: 29, 200: 2})
    assert closing.variance.text() == "₹100.00 short"
    closing.supervisor.setText(demo.supervisor[0])
    closing.password.setText(demo.supervisor[1])
    closing.reason.setText("₹100 note given as change twice")
    with qtbot.waitSignal(closing.closed, timeout=20_000) as closed:
        closing.close_button.click()
    figures = closed.args[0]
    assert figures["session"] == session and figures["status"] == "closed"
    assert figures["float"] == 500_000 and figures["cash_in"] == 1_000_000
    assert figures["expected_cash"] == 1_500_000 and figures["counted"] == 1_490_000
    assert figures["variance"] == -10_000 and figures["approved_by"] == demo.supervisor[0]
    assert figures["by_channel"]["cash"] == {"count": 1, "amount": 1_000_000}
    assert figures["by_channel"]["dd"] == {"count": 1, "amount": 500_000}
    assert figures["by_channel"]["checkout"] == {"count": 1, "amount": 250_000}
    assert figures["pending_clearance"] == {"count": 1, "amount": 500_000}
    assert figures["receipts"]["first"] == cash_receipt and dd_receipt
    assert closing.pages.currentWidget() is closing.report
    closing.accept()
    qtbot.waitUntil(lambda: win.statusBar().counter.text() == "Counter closed", timeout=10_000)
