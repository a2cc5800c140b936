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
