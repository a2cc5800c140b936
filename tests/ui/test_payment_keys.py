"""The payment dialog by keyboard and mouse, as staff use it: the amount shown is the amount
taken, Esc asks before cancelling a live payment, and the idle lock waits for the QR."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from tests.ui.conftest import fresh_invoice, select_invoice

pytestmark = pytest.mark.slow


def _click(qtbot, button) -> None:
    """A real mouse click on a radio button's indicator (its centre may be past the label)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(10, button.height() // 2))


def _open_with_typed(qtbot, win, typed: str):
    win.take_payment()
    dlg = win.payment_dialog
    page = dlg.amount_page
    qtbot.waitUntil(page.amount.hasFocus)
    qtbot.keyClick(page.amount, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.amount, typed)
    return dlg, page


@pytest.mark.parametrize("channel", ["browser", "qr"])
def test_enter_after_clicking_a_channel_starts_the_typed_part_amount(
    qtbot, demo, demo_window, monkeypatch, channel
):
    from ui.payment_dialog import Browser

    monkeypatch.setattr(Browser, "open", classmethod(lambda cls, url: True))
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, page = _open_with_typed(qtbot, win, "1,000")
    assert page.amount_minor == 100_000
    radio = getattr(page, channel)
    _click(qtbot, radio)
    assert radio.isChecked() and radio.hasFocus()
    with qtbot.waitSignal(dlg.started, timeout=15_000) as started:
        qtbot.keyClick(radio, Qt.Key.Key_Return)
        assert page.amount.text() == "1,000"
        assert not page.amount.isEnabled()  # nothing changes while it starts
        qtbot.keyClick(dlg.focusWidget() or dlg, Qt.Key.Key_Return)  # a second Enter
    assert started.args[0].amount == 100_000
    with qtbot.waitSignal(dlg.cancelled, timeout=20_000):
        dlg.wait_page.cancel.click()


def test_enter_on_full_balance_or_with_a_bad_amount(qtbot, demo, demo_window):
    """Enter never swaps the amount shown, and with an amount that is not valid does nothing."""
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, page = _open_with_typed(qtbot, win, "12x")
    assert page.amount_minor is None and not page.start.isEnabled()
    started: list[object] = []
    dlg.started.connect(started.append)
    _click(qtbot, page.browser)
    qtbot.keyClick(page.browser, Qt.Key.Key_Return)
    page.full.setFocus()
    qtbot.keyClick(page.full, Qt.Key.Key_Return)
    qtbot.keyClick(page.amount, Qt.Key.Key_Enter)
    assert page.amount.text() == "12x" and dlg.page == 0 and page.start.text() == "Start payment"
    assert started == []
    dlg.reject()


def _start_qr(qtbot, demo, win):
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    win.take_payment()
    dlg = win.payment_dialog
    with qtbot.waitSignal(dlg.started, timeout=15_000) as started:
        qtbot.keyClick(dlg.amount_page.amount, Qt.Key.Key_Return)
    assert dlg.wait_page.state == "open" and dlg.wait_page.qr.data
    return dlg, started.args[0]


def test_escape_on_the_qr_asks_before_cancelling(qtbot, demo, demo_window, monkeypatch):
    from ui.payment_dialog import CancelQuestion

    answers = [False, True]
    asked: list[object] = []

    def ask(cls, parent):
        asked.append(parent)
        return answers.pop(0)

    monkeypatch.setattr(CancelQuestion, "ask", classmethod(ask))
    dlg, _attempt = _start_qr(qtbot, demo, demo_window)
    qtbot.keyClick(dlg.focusWidget() or dlg, Qt.Key.Key_Escape)
    assert asked == [dlg]  # "Keep waiting": nothing changes
    assert dlg.isVisible() and dlg.wait_page.state == "open" and dlg.wait_page.qr.data
    with qtbot.waitSignal(dlg.finished, timeout=5_000):
        qtbot.keyClick(dlg.focusWidget() or dlg, Qt.Key.Key_Escape)
    assert asked == [dlg, dlg] and not dlg.isVisible()
    from kiosk.payments.attempts import attempt_view

    qtbot.waitUntil(
        lambda: str(attempt_view(demo.ctx, _attempt.public_id).status) == "cancelled",
        timeout=20_000,
    )


def test_escape_after_the_payment_ended_closes_without_asking(
    qtbot, demo, demo_window, monkeypatch
):
    from ui.payment_dialog import CancelQuestion

    asked: list[object] = []
    monkeypatch.setattr(CancelQuestion, "ask", classmethod(lambda cls, p: asked.append(p)))
    dlg, _attempt = _start_qr(qtbot, demo, demo_window)
    with qtbot.waitSignal(dlg.cancelled, timeout=20_000):
        dlg.wait_page.cancel.click()  # the explicit button needs no question
    with qtbot.waitSignal(dlg.finished, timeout=5_000):
        qtbot.keyClick(dlg.focusWidget() or dlg, Qt.Key.Key_Escape)
    assert asked == []


def test_idle_lock_waits_for_the_qr_then_locks(qtbot, demo, demo_window):
    from tests.ui.test_payment_flow import _pay

    win = demo_window
    dlg, attempt = _start_qr(qtbot, demo, win)
    user = win.user
    win.idle.set_timeout(100)
    qtbot.waitUntil(lambda: getattr(win.idle, "due", False) or win.is_locked, timeout=5_000)
    assert not win.is_locked and dlg.isVisible() and dlg.wait_page.qr.data  # still scanning
    with qtbot.waitSignal(win.locked, timeout=20_000):
        _pay(demo, attempt.stripe_id)  # the payment ends: now the desk locks
    assert dlg.wait_page.state == "paid" and not dlg.isVisible()
    win.sign_in_as(user)
    assert dlg.isVisible()
    qtbot.waitUntil(lambda: dlg.receipt_number is not None, timeout=20_000)
    dlg.accept()


def test_idle_lock_on_the_amount_page_is_not_held(qtbot, demo, demo_window):
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    win.take_payment()
    with qtbot.waitSignal(win.locked, timeout=5_000):
        win.idle.set_timeout(50)
    assert not win.payment_dialog.isVisible()


def test_the_amount_field_says_how_it_reads_as_you_type(qtbot, demo, demo_window):
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, page = _open_with_typed(qtbot, win, "12,34")
    assert page.amount_minor is None and not page.start.isEnabled()
    assert page.error.text() == "'12,34' is not an amount in en_IN: did you mean 1,234 or 12.34?"
    qtbot.keyClick(page.amount, Qt.Key.Key_Return)
    assert dlg.page == 0 and page.amount.text() == "12,34"
    page.amount.selectAll()
    page.amount.insert("१२३४")  # pasted: QTest can only type Latin-1 keys
    assert page.amount_minor is None and "digits other than 0-9" in page.error.text()
    qtbot.keyClick(page.amount, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.amount, "1,234")
    assert page.amount_minor == 123_400 and page.start.isEnabled()
    assert page.error.text() == "₹1,234.00 (part payment)"
    dlg.reject()
