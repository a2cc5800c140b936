"""Counter tenders in the payment dialog: the fields each needs, checked as you type with
the core's own words, the change due in large type, and refusals that record nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QDate
from sqlalchemy import func, select

from kiosk.clock import desk_today
from kiosk.ledger.models import Payment
from tests.ui.conftest import select_invoice


def _qdate(day) -> QDate:
    return QDate(day.year, day.month, day.day)


@pytest.fixture
def desk(qtbot, window, cashier):
    window.sign_in_as(cashier)
    qtbot.waitUntil(lambda: window.invoices.model.rowCount() > 0, timeout=10_000)
    select_invoice(qtbot, window, "INV-DEMO-0003")
    return window


def _open_counter(ctx, user, float_minor: int = 500_000) -> str:
    from kiosk.ledger.counter import open_session

    with ctx.ledger.begin() as s:
        return open_session(
            s, desk=ctx.desk, currency="INR", float_minor=float_minor, user=user
        ).number


def _page(win, kind: str, amount: str = "1,000"):
    win.take_payment()
    page = win.payment_dialog.amount_page
    page.counter[kind].setChecked(True)
    page.amount.setText(amount)
    return win.payment_dialog, page


def _payments(ctx) -> int:
    with ctx.ledger.read() as s:
        return int(s.scalar(select(func.count()).select_from(Payment)) or 0)


def test_cash_shows_the_change_as_you_type(desk):
    _dlg, page = _page(desk, "cash")
    fields = page.fields
    assert fields.isVisibleTo(page) and fields.pages.currentIndex() == 0
    assert page.start.text() == "Record payment"
    assert fields.change.text() == "No change: the exact amount"
    fields.tendered.setText("1,500")
    assert fields.change.text() == "Change due ₹500.00"
    assert fields.change.objectName() == "changeDue"
    assert fields.change.font().pointSizeF() >= 20 and page.start.isEnabled()
    page.amount.setText("1,200")  # the change follows the amount too
    assert fields.change.text() == "Change due ₹300.00"
    fields.tendered.setText("500")
    assert not page.start.isEnabled()
    assert page.error.text() == "₹500.00 handed over is less than the ₹1,200.00 to pay."


def test_instrument_fields_use_the_cores_checks(desk):
    _dlg, page = _page(desk, "cheque")
    f = page.fields
    assert f.pages.currentIndex() == 1 and not page.start.isEnabled()
    assert page.error.text() == "Cheque number '': 6 to 10 digits, as printed on it."
    f.number.setText("004512")
    assert page.error.text() == "A cheque needs the bank it is drawn on."
    f.bank.setText("State Bank of India")
    assert page.start.isEnabled()
    tomorrow = desk_today(desk.ctx.settings) + timedelta(days=1)
    f.dated.setDate(_qdate(tomorrow))
    assert not page.start.isEnabled()
    assert page.error.text() == (
        f"This cheque is post-dated ({tomorrow:%d %b %Y}): it can't be accepted before its date."
    )
    page.counter["dd"].setChecked(True)
    assert "This demand draft is post-dated" in page.error.text()


def test_bank_transfer_needs_a_utr_and_a_past_day(desk):
    _dlg, page = _page(desk, "bank_transfer")
    f = page.fields
    assert f.pages.currentIndex() == 2
    assert page.error.text() == "A bank transfer needs its UTR."
    f.utr.setText("abc")
    assert "expected 10 to 22 letters and digits" in page.error.text()
    f.utr.setText("SBIN 1263 3700 1234")
    assert page.start.isEnabled()
    f.paid_on.setDate(_qdate(desk_today(desk.ctx.settings) + timedelta(days=2)))
    assert page.error.text().startswith("Paid on ") and "is in the future" in page.error.text()


def test_only_the_tenders_the_desk_offers(qtbot, desk):
    desk.ctx.settings.set("payments.tenders", "cash,bank_transfer")
    desk.take_payment()
    page = desk.payment_dialog.amount_page
    assert sorted(page.counter) == ["bank_transfer", "cash"]
    assert page.qr.isHidden() and page.browser.isHidden()
    assert page.counter_kind == "cash"  # the first offered is chosen
    assert page.amount_minor == desk.detail.detail.row.balance


def test_no_open_counter_is_refused_in_words(qtbot, desk):
    before = _payments(desk.ctx)
    dlg, page = _page(desk, "cash")
    page.start.click()
    qtbot.waitUntil(lambda: "open counter" in page.error.text(), timeout=10_000)
    assert page.error.text() == (
        "Taking a cash payment needs an open counter: open it first (Open counter)."
    )
    assert dlg.page == 0 and page.start.isEnabled() and _payments(desk.ctx) == before


def test_cash_with_change_ends_at_the_receipt(qtbot, desk, cashier):
    _open_counter(desk.ctx, cashier)
    dlg, page = _page(desk, "cash")
    page.fields.tendered.setText("2,000")
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000), qtbot.waitSignal(dlg.tender_taken):
        page.start.click()
    assert dlg.receipt_page.change.text() == "Change due ₹1,000.00"
    assert dlg.receipt_page.change.isVisibleTo(dlg)
    assert dlg.receipt_page.document.pageCount() >= 1
    assert dlg.receipt_number and dlg.receipt_number.startswith("R-")


def test_a_utr_recorded_twice_is_refused(qtbot, desk, cashier):
    for attempt in range(2):
        dlg, page = _page(desk, "bank_transfer", "100")
        page.fields.utr.setText("SBIN126337001234")
        if attempt == 0:
            with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
                page.start.click()
            dlg.accept()
            before = _payments(desk.ctx)
            continue
        page.start.click()
        qtbot.waitUntil(lambda p=page: "already recorded" in p.error.text(), timeout=10_000)
        assert page.error.text().startswith("UTR SBIN126337001234 was already recorded: receipt")
        assert _payments(desk.ctx) == before


def test_amount_above_the_balance_is_refused(desk):
    balance = desk.detail.detail.row.balance
    _dlg, page = _page(desk, "cash", "99,99,999")
    assert not page.start.isEnabled() and "is more than the balance" in page.error.text()
    assert balance < 99_99_999_00
