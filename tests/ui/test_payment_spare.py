"""The payment dialog is built ahead (ui.payment_spare) and bound to the invoice when the
cashier takes the payment: it shows that invoice's student and balance, each payment gets
a dialog of its own, and a settings change builds the next one again."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate

from kiosk.money import plain_amount
from tests.ui.conftest import select_invoice


def _open_invoices(ctx, n: int = 2):
    """`n` open invoices of different students and balances."""
    from kiosk.ledger.search import search_invoices

    with ctx.ledger.begin() as s:
        rows = search_invoices(s, "", status="open", limit=200, today=date.today())
    picked: list = []
    for row in rows:
        if row.balance > 0 and all(
            p.student_name != row.student_name and p.balance != row.balance for p in picked
        ):
            picked.append(row)
    assert len(picked) >= n
    return picked[:n]


def _ready_spare(qtbot, win):
    win.spare.prepare()
    qtbot.waitUntil(lambda: win.spare.ready, timeout=5_000)
    return win.spare._dialog


def test_the_dialog_built_ahead_shows_the_invoice_it_is_opened_for(qtbot, window, cashier):
    window.sign_in_as(cashier)
    (row,) = _open_invoices(window.ctx, 1)
    spare = _ready_spare(qtbot, window)  # built before anyone picked the invoice
    assert spare is not None and not spare.isVisible()
    select_invoice(qtbot, window, row.number)
    window.take_payment()
    dlg = window.payment_dialog
    assert dlg is spare and dlg.isVisible()
    assert dlg.detail.row.number == row.number and row.number in dlg.windowTitle()
    page = dlg.amount_page
    assert page.who.text() == row.student_name
    assert row.number in page.sub.text()
    assert page.amount.text() == plain_amount(row.balance, row.currency, "en_IN")
    assert page.amount_minor == row.balance and page.start.isEnabled()
    assert page.amount.hasFocus() or dlg.focusWidget() is page.amount
    dlg.reject()


def test_each_payment_gets_a_new_dialog_for_its_own_invoice(qtbot, window, cashier):
    window.sign_in_as(cashier)
    first, second = _open_invoices(window.ctx, 2)
    select_invoice(qtbot, window, first.number)
    window.take_payment()
    dlg1 = window.payment_dialog
    dlg1.amount_page.counter["cheque"].click()
    dlg1.amount_page.fields.number.setText("123456")  # typed for the first student
    dlg1.amount_page.fields.dated.setDate(QDate(2020, 1, 1))
    dlg1.reject()
    select_invoice(qtbot, window, second.number)
    window.take_payment()
    dlg2 = window.payment_dialog
    assert dlg2 is not dlg1
    page = dlg2.amount_page
    assert dlg2.detail.row.number == second.number and page.who.text() == second.student_name
    assert page.amount_minor == second.balance
    assert page.fields.number.text() == "" and page.counter_kind is None
    assert page.fields.dated.date().toPython() != date(2020, 1, 1)
    dlg2.reject()
    # and the next one is built again, a while after the payment
    qtbot.waitUntil(lambda: window.spare.ready, timeout=5_000)
    assert window.spare._dialog not in (dlg1, dlg2)


def test_a_settings_change_builds_the_next_dialog_again(qtbot, window, cashier):
    window.sign_in_as(cashier)
    old = _ready_spare(qtbot, window)
    window.apply_settings(["ui.theme"])
    assert not window.spare.ready  # dropped at once
    qtbot.waitUntil(lambda: window.spare.ready, timeout=5_000)
    assert window.spare._dialog is not old


def test_switching_the_theme_from_the_menu_builds_the_next_dialog_in_it(qtbot, window, cashier):
    from ui import theme

    window.sign_in_as(cashier)
    old = _ready_spare(qtbot, window)
    before = theme.current()
    window.actions_.theme_action.trigger()  # Desk → Dark theme, as a click does
    assert theme.current() != before and not window.spare.ready
    qtbot.waitUntil(lambda: window.spare.ready, timeout=5_000)
    assert window.spare._dialog is not old
    assert window.spare._built_for[0] == theme.current()
    window.actions_.theme_action.trigger()


def test_without_a_spare_the_dialog_is_built_on_the_spot(qtbot, window, cashier):
    window.sign_in_as(cashier)
    (row,) = _open_invoices(window.ctx, 1)
    select_invoice(qtbot, window, row.number)  # the event loop runs: a spare may be built
    window.spare.renew()  # dropped; the next is due in REBUILD_MS, and no turn runs before
    assert not window.spare.ready
    window.take_payment()
    dlg = window.payment_dialog
    assert dlg.isVisible() and dlg.detail.row.number == row.number
    assert dlg.amount_page.amount_minor == row.balance
    dlg.reject()


def test_building_the_next_dialog_leaves_the_desk_focused(qtbot, window, cashier):
    from PySide6.QtWidgets import QApplication

    window.sign_in_as(cashier)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.invoices.table.setFocus()
    _ready_spare(qtbot, window)
    qtbot.wait(50)
    assert QApplication.activeWindow() is window  # no part of it flashed up as a window
    assert window.invoices.table.hasFocus()


def test_a_cashier_drives_the_dialog_built_ahead_by_keys(qtbot, window, cashier):
    """Ctrl+P opens it with the balance selected, so typing replaces it (never appends to
    it); Tab leaves the amount; Esc closes it and nothing is started."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window.sign_in_as(cashier)
    (row,) = _open_invoices(window.ctx, 1)
    spare = _ready_spare(qtbot, window)
    select_invoice(qtbot, window, row.number)
    QTest.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    dlg = window.payment_dialog
    assert dlg is spare
    qtbot.waitUntil(dlg.isVisible)
    page = dlg.amount_page
    qtbot.waitUntil(lambda: dlg.focusWidget() is page.amount)
    assert page.amount.selectedText() == page.amount.text()
    QTest.keyClicks(page.amount, "500")
    assert page.amount_minor == 50_000 and "part payment" in page.error.text()
    QTest.keyClick(page.amount, Qt.Key.Key_Tab)
    assert dlg.focusWidget() is not page.amount
    QTest.keyClick(dlg.focusWidget() or dlg, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dlg.isVisible())
    assert dlg.attempt is None
