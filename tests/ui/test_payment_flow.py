"""Taking payments through the sandbox, end to end: QR or checkout, live status, receipt."""

from __future__ import annotations

import pytest

from kiosk.money import format_money
from tests.ui.conftest import fresh_invoice, select_invoice

pytestmark = pytest.mark.slow


def _pay(demo, session_id: str, card: str = "4242424242424242"):
    from kiosk.demo import pay_with_test_card

    return pay_with_test_card(
        demo.env["STRIPE_API_BASE"], demo.env["STRIPE_SECRET_KEY"], session_id, card
    )


def _start(qtbot, win, *, qr: bool = True, amount: str | None = None):
    win.take_payment()
    dlg = win.payment_dialog
    assert dlg is not None and dlg.isVisible()
    page = dlg.amount_page
    if amount is not None:
        page.amount.setText(amount)
    (page.qr if qr else page.browser).setChecked(True)
    with qtbot.waitSignal(dlg.started, timeout=15_000) as started:
        page.start.click()
    return dlg, started.args[0]


def test_qr_payment_ends_at_the_receipt(qtbot, demo, demo_window, monkeypatch, tmp_path):
    win = demo_window
    qtbot.waitUntil(lambda: win.status.mode.text().strip() == "TEST", timeout=10_000)
    assert win.status.mode.objectName() == "testBadge" and not win.banner.isHidden()
    qtbot.waitUntil(lambda: win.status.sync.text() == "Relay connected", timeout=10_000)
    number = fresh_invoice(demo.ctx)
    select_invoice(qtbot, win, number)
    balance = win.detail.detail.row.balance
    dlg, attempt = _start(qtbot, win)
    assert dlg.wait_page.qr.data == attempt.url
    assert dlg.wait_page.qr.modules >= 21
    assert "Expires in" in dlg.wait_page.countdown.text()
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _pay(demo, attempt.stripe_id)
    assert dlg.receipt_page.document.pageCount() >= 1
    assert dlg.receipt_number and dlg.receipt_number.startswith("R-")
    assert dlg.wait_page.state_label.text() == "Paid"
    assert dlg.receipt_page.title.text() == f"Paid · receipt {dlg.receipt_number}"
    # Print to a PDF file (what the demo offers on a machine without a printer).
    from ui.receipt_widget import SavePicker

    out = tmp_path / "printed.pdf"
    monkeypatch.setattr(SavePicker, "ask", classmethod(lambda cls, parent, name: out))
    with qtbot.waitSignal(dlg.receipt_page.saved, timeout=10_000):
        dlg.receipt_page.save_button.click()
    assert out.read_bytes().startswith(b"%PDF")
    dlg.receipt_page.done_button.click()
    qtbot.waitUntil(lambda: win.detail.detail.row.paid == balance, timeout=10_000)
    assert win.detail.detail.row.status == "paid"


def test_partial_payment_in_the_browser(qtbot, demo, demo_window, monkeypatch):
    from ui.payment_dialog import Browser

    opened: list[str] = []
    monkeypatch.setattr(Browser, "open", classmethod(lambda cls, url: opened.append(url) or True))
    win = demo_window
    number = fresh_invoice(demo.ctx)
    select_invoice(qtbot, win, number)
    balance = win.detail.detail.row.balance
    win.take_payment()
    page = win.payment_dialog.amount_page
    page.amount.setText("0.10")
    assert not page.start.isEnabled() and "minimum" in page.error.text()
    page.amount.setText("99999999")
    assert not page.start.isEnabled() and "more than the balance" in page.error.text()
    page.amount.setText("1,000")
    assert page.start.isEnabled() and page.amount_minor == 100_000
    dlg, attempt = _start(qtbot, win, qr=False, amount="1,000")
    assert opened == [attempt.url]
    assert dlg.wait_page.left.currentIndex() == 1
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _pay(demo, attempt.stripe_id)
    # A part payment is never titled "Paid": it says what is still due.
    due = format_money(balance - 100_000, "INR", "en_IN")
    assert dlg.wait_page.state_label.text() == "Part payment received"
    assert dlg.wait_page.reason.text() == f"{due} is still due on this invoice."
    title = dlg.receipt_page.title.text()
    assert title == f"Part payment received · receipt {dlg.receipt_number} · {due} still due"
    dlg.accept()
    qtbot.waitUntil(lambda: win.detail.detail.row.paid >= 100_000, timeout=10_000)


def test_no_browser_says_so_and_shows_the_link(qtbot, demo, demo_window, monkeypatch):
    from ui.payment_dialog import Browser, CancelQuestion

    monkeypatch.setattr(Browser, "open", classmethod(lambda cls, url: False))
    monkeypatch.setattr(CancelQuestion, "ask", classmethod(lambda cls, parent: True))
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, attempt = _start(qtbot, win, qr=False, amount="1,000")
    page = dlg.wait_page
    assert "No browser could be started" in page.browser_note.text()
    assert page.link.isVisibleTo(page) and page.link.text() == attempt.url
    assert page.link.isReadOnly()
    dlg.reject()


def test_decline_then_retry(qtbot, demo, demo_window):
    import stripe

    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, attempt = _start(qtbot, win)
    with qtbot.waitSignal(dlg.declined, timeout=20_000), pytest.raises(stripe.CardError):
        _pay(demo, attempt.stripe_id, "4000000000000002")
    assert dlg.wait_page.state == "declined"
    assert "declined" in dlg.wait_page.reason.text().lower()
    assert dlg.wait_page.cancel.isVisible()
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _pay(demo, attempt.stripe_id)
    dlg.accept()


def test_expiry(qtbot, demo, demo_window):
    from kiosk.demo import expire_now

    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, attempt = _start(qtbot, win)
    with qtbot.waitSignal(dlg.expired, timeout=20_000):
        expire_now(demo.env["STRIPE_API_BASE"], demo.env["STRIPE_SECRET_KEY"], attempt.stripe_id)
    assert dlg.wait_page.again.isVisible() and not dlg.wait_page.cancel.isVisible()
    dlg.wait_page.again.click()
    assert dlg.page == 0


def test_cancel(qtbot, demo, demo_window):
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, _attempt = _start(qtbot, win)
    user = win.user
    win.lock()  # the desk locks mid-payment: the payment waits behind the lock
    assert win.is_locked and not dlg.isVisible()
    win.sign_in_as(user)
    assert dlg.isVisible() and dlg.wait_page.state == "open"
    with qtbot.waitSignal(dlg.cancelled, timeout=20_000):
        dlg.wait_page.cancel.click()
    assert dlg.wait_page.state == "cancelled"
    assert "Nothing was charged" in dlg.wait_page.reason.text()


def test_single_use_payment_link_qr(qtbot, demo, demo_window):
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    win.take_payment()
    page = win.payment_dialog.amount_page
    page.qr.setChecked(True)
    page.qr_kind.setCurrentIndex(1)  # single-use payment link
    dlg = win.payment_dialog
    with qtbot.waitSignal(dlg.started, timeout=15_000) as started:
        page.start.click()
    attempt = started.args[0]
    assert attempt.channel == "payment_link" and attempt.stripe_id.startswith("plink_")
    assert dlg.wait_page.qr.data == attempt.url
    assert "payment link" in dlg.wait_page.invoice.text().lower()
    with qtbot.waitSignal(dlg.cancelled, timeout=20_000):
        dlg.wait_page.cancel.click()


def test_receipt_email_is_queued(qtbot, demo, demo_window, monkeypatch):
    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    dlg, attempt = _start(qtbot, win)
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _pay(demo, attempt.stripe_id)
    assert not dlg.receipt_page.email_button.isEnabled()  # no mail server in the demo
    monkeypatch.setenv("FEE_KIOSK_SMTP_HOST", "127.0.0.1")
    dlg.receipt_page.show_receipt(dlg.receipt_number, dlg.receipt_page.path)
    with qtbot.waitSignal(dlg.receipt_page.emailed, timeout=10_000):
        dlg.receipt_page.email_button.click()
    assert "Queued" in dlg.receipt_page.note.text()
    dlg.accept()
