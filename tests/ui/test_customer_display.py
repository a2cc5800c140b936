"""The display facing the student follows the cashier's payment: QR, declined, paid, idle;
and it never shows another student's data or any part of the invoice list."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6.QtWidgets import QAbstractItemView, QLabel

from kiosk.money import format_money
from tests.ui.conftest import fresh_invoice, select_invoice


def _pay(demo, session_id: str, card: str = "4242424242424242"):
    from kiosk.demo import pay_with_test_card

    return pay_with_test_card(
        demo.env["STRIPE_API_BASE"], demo.env["STRIPE_SECRET_KEY"], session_id, card
    )


def _start(qtbot, win):
    win.take_payment()
    dlg = win.payment_dialog
    with qtbot.waitSignal(dlg.started, timeout=15_000) as started:
        dlg.amount_page.start.click()
    return dlg, started.args[0]


def _texts(display) -> str:
    """Everything the student can read: every visible label (and the window title)."""
    shown = [w.text() for w in display.findChildren(QLabel) if w.isVisibleTo(display)]
    return "\n".join([display.windowTitle(), *shown])


def _others(ctx, number: str, student_number: str) -> tuple[set[str], set[str]]:
    """Invoice numbers and student names of the invoice list other than this student's."""
    from kiosk.ledger.search import search_invoices

    with ctx.ledger.begin() as s:
        rows = search_invoices(s, "", limit=1000, today=date.today())
    numbers = {r.number for r in rows if r.number != number}
    names = {r.student_name for r in rows if r.student_number != student_number}
    return numbers, names


def _assert_private(display, ctx, view, student_number: str) -> None:
    text = _texts(display)
    numbers, names = _others(ctx, view.invoice_number, student_number)
    assert len(numbers) > 10 and len(names) > 10
    for other in numbers:
        assert not re.search(rf"\b{re.escape(other)}\b", text), other
    for name in names - {view.student_name}:
        assert name not in text, name
    assert not display.findChildren(QAbstractItemView)  # no list or table at all


@pytest.fixture
def display(qtbot, demo_window):
    from ui.customer_display import attach

    shown = attach(demo_window, forced=True)
    assert shown is not None and shown.isVisible()
    return shown


@pytest.mark.slow
def test_display_follows_a_payment_from_qr_to_declined_to_paid(qtbot, demo, demo_window, display):
    import stripe

    win = demo_window
    assert display.state == "idle"
    assert display.institution.text() == demo.ctx.settings.get("institution.name")
    assert display.logo.pixmap() is not None and not display.logo.pixmap().isNull()
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    student_number = win.detail.detail.row.student_number
    dlg, view = _start(qtbot, win)
    qtbot.waitUntil(lambda: display.state == "open", timeout=10_000)
    assert display.student.text() == view.student_name
    assert view.invoice_number in display.invoice.text()
    assert display.amount.text() == format_money(view.amount, view.currency, "en_IN")
    assert display.qr.data == view.url and display.qr.modules >= 21
    assert "Card or UPI" in display.methods.text()
    assert display.countdown.text().startswith("Expires in")
    _assert_private(display, demo.ctx, view, student_number)
    # the QR takes the largest square the window leaves it; the cashier's copy is small
    display.resize(1024, 640)
    qtbot.waitUntil(lambda: min(display.qr.width(), display.qr.height()) >= 400)
    assert dlg.wait_page.qr.maximumWidth() <= 220
    note = dlg.wait_page.findChild(QLabel, "shownOnStudentScreen")
    assert note is not None and note.text() == "Shown on the student's screen"

    with qtbot.waitSignal(dlg.declined, timeout=20_000), pytest.raises(stripe.CardError):
        _pay(demo, view.stripe_id, "4000000000000002")
    qtbot.waitUntil(lambda: display.state == "declined", timeout=5_000)
    assert "declined" in display.status.text().lower()
    assert "another card" in display.status.text()
    _assert_private(display, demo.ctx, view, student_number)

    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _pay(demo, view.stripe_id)
    assert display.state == "paid"
    assert display.done_title.text() == "Paid, thank you"
    assert display.receipt.text() == f"Receipt {dlg.receipt_number}"
    _assert_private(display, demo.ctx, view, student_number)
    dlg.accept()
    assert display.state == "paid"  # the thank-you stays a moment after the dialog closes
    display._back_to_idle.setInterval(10)
    display._back_to_idle.start()
    qtbot.waitUntil(lambda: display.state == "idle", timeout=5_000)
    assert display.student.text() == "" and display.qr.data == ""


@pytest.mark.slow
def test_display_goes_idle_when_a_payment_is_cancelled(qtbot, demo, demo_window, display):
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, view = _start(qtbot, win)
    qtbot.waitUntil(lambda: display.state == "open", timeout=10_000)
    with qtbot.waitSignal(dlg.cancelled, timeout=20_000):
        dlg.wait_page.cancel.click()
    qtbot.waitUntil(lambda: display.state == "cancelled", timeout=5_000)
    assert "Nothing was charged" in display.status.text()
    assert display.qr.data == ""
    dlg.wait_page.close_button.click()
    assert display.state == "idle"
    assert view.student_name not in _texts(display)


def test_screen_index_from_the_setting():
    from ui.customer_display import screen_index

    assert screen_index("off", False, 2) is None
    assert screen_index("1", False, 2) == 1
    assert screen_index("3", False, 2) == 1  # a screen unplugged: the last one there is
    assert screen_index("off", True, 1) == 0  # demo --customer-display, one screen
    assert screen_index("off", True, 2) == 1


def test_the_setting_takes_off_or_a_screen_index(ctx):
    from kiosk.config import ConfigError

    ctx.settings.set("ui.customer_display", "1")
    assert ctx.settings.get("ui.customer_display") == "1"
    with pytest.raises(ConfigError, match="off or a screen index"):
        ctx.settings.set("ui.customer_display", "left")
    assert ctx.settings.get("ui.customer_display") == "1"
