"""Screenshots of every screen for the README: `python -m tests.ui.make_screenshots [OUT]`.

Runs the real desk offscreen on the demo wiring (sandbox + relay on loopback), drives each
screen and saves `widget.grab()` images to resources/screenshots/ (or OUT).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]


def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def until(app, cond, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise TimeoutError("screen did not get ready")
        app.processEvents()
        time.sleep(0.01)


def main(out: Path) -> None:
    import tempfile

    from kiosk.demo import expire_now, pay_with_test_card, start_demo
    from kiosk.ledger.users import authenticate
    from ui import theme
    from ui.app import create_app
    from ui.main_window import MainWindow
    from ui.staff import sign_in

    out.mkdir(parents=True, exist_ok=True)
    demo = start_demo(Path(tempfile.mkdtemp(prefix="kiosk-shots-")), lan=False)
    ctx = demo.ctx
    api, key = demo.env["STRIPE_API_BASE"], demo.env["STRIPE_SECRET_KEY"]
    app = create_app(ctx)
    app.setFont(app.font())
    win = MainWindow(ctx)
    win.resize(1440, 860)
    win.show()
    win.start()
    pump(app, 1.0)
    save = lambda w, name: w.grab().save(str(out / name))  # noqa: E731
    save(win, "signin.png")
    user = sign_in(ctx, *demo.cashier)
    win.sign_in_as(user)
    until(app, lambda: win.poller is not None and "Relay connected" in win.status.sync.text())

    def select(number: str) -> None:
        win.invoices.search.setText(number)
        until(app, lambda: win.detail.detail is not None and win.detail.detail.row.number == number)
        pump(app, 0.3)

    win.invoices.search.clear()
    win.invoices.select_row(9)
    until(
        app,
        lambda: (
            win.detail.detail is not None
            and win.detail.detail.row.number == win.invoices.model.rows[9].number
        ),
    )
    pump(app, 0.4)
    save(win, "main.png")

    select("INV-DEMO-0002")
    win.take_payment()
    dlg = win.payment_dialog
    pump(app, 0.3)
    save(dlg, "payment-amount.png")
    dlg.amount_page.amount.setText("0.20")
    pump(app, 0.1)
    save(dlg, "payment-amount-invalid.png")
    dlg.amount_page.on_full_clicked()
    attempt = []
    dlg.started.connect(attempt.append)
    dlg.amount_page.start.click()
    until(app, lambda: attempt)
    pump(app, 1.2)
    save(dlg, "payment-qr.png")
    with contextlib.suppress(Exception):
        pay_with_test_card(api, key, attempt[0].stripe_id, "4000000000000002")
    until(app, lambda: dlg.wait_page.state == "declined")
    pump(app, 0.2)
    save(dlg, "payment-declined.png")
    pay_with_test_card(api, key, attempt[0].stripe_id)
    until(app, lambda: dlg.receipt_number is not None)
    pump(app, 1.0)
    save(dlg, "payment-paid.png")
    dlg.accept()
    pump(app, 0.8)
    save(win, "main-after-payment.png")
    display = student_display_shots(app, win, demo, save)

    # an expired attempt
    from kiosk.ledger.search import search_invoices

    with ctx.ledger.begin() as s:
        other = next(
            r.number
            for r in search_invoices(s, "", status="open", limit=50)
            if r.number != "INV-DEMO-0002"
        )
    select(other)
    win.take_payment()
    dlg = win.payment_dialog
    attempt.clear()
    dlg.started.connect(attempt.append)
    dlg.amount_page.start.click()
    until(app, lambda: attempt)
    expire_now(api, key, attempt[0].stripe_id)
    until(app, lambda: dlg.wait_page.state == "expired")
    pump(app, 0.3)
    save(dlg, "payment-expired.png")
    dlg.reject()

    # receipt reprint
    select("INV-DEMO-0002")
    win.actions_.reprint(win.detail.detail.receipts[0].number)
    until(app, lambda: win.receipt_dialog is not None)
    pump(app, 1.0)
    save(win.receipt_dialog, "reprint.png")
    win.receipt_dialog.accept()

    # supervisor, refund, settings, summary
    from ui.refund_dialog import RefundDialog
    from ui.settings_dialog import SettingsDialog
    from ui.summary_dialog import SummaryDialog
    from ui.supervisor_dialog import SupervisorDialog

    d = win.detail.detail
    refund = RefundDialog(win, d, d.payments[0], "en_IN", "Asia/Kolkata")
    refund.reason.setText("Paid twice at two desks")
    refund.amount.setText("11,000")
    refund.show()
    pump(app, 0.3)
    save(refund, "refund.png")
    refund.close()
    target = f"{d.row.number} ({d.row.student_name})"
    sup = SupervisorDialog(win, ctx, "Refund ₹11,000.00", target, user.username)
    sup.username.setText("admin@example.com")
    sup.show()
    pump(app, 0.3)
    save(sup, "supervisor.png")
    sup.close()
    with ctx.ledger.begin() as s:
        supervisor = authenticate(s, *demo.supervisor)
    settings = SettingsDialog(win, ctx, supervisor)
    settings.show()
    until(app, settings.isEnabled)
    pump(app, 0.3)
    save(settings, "settings.png")
    settings.tabs.setCurrentIndex(4)
    pump(app, 0.2)
    save(settings, "settings-desk.png")
    settings.close()
    summary = SummaryDialog(win, ctx)
    summary.show()
    until(app, lambda: summary.summary is not None)
    pump(app, 0.3)
    save(summary, "summary.png")
    summary.close()

    # lock, dark, kiosk
    win.lock()
    pump(app, 0.3)
    save(win, "lock.png")
    win.sign_in_as(user)
    theme.apply(app, "dark")
    win.invoices.model.layoutChanged.emit()
    select("INV-DEMO-0002")
    pump(app, 0.5)
    save(win, "dark.png")
    select(_open_invoice(ctx, _used))  # INV-DEMO-0002 is paid by now
    win.take_payment()
    dlg = win.payment_dialog
    pump(app, 0.3)
    save(dlg, "dark-payment.png")
    dlg.reject()
    dark_display_shot(app, win, display, save)
    theme.apply(app, "light")
    win.invoices.search.clear()
    win.status.clearMessage()
    until(app, lambda: len(win.invoices.model.rows) > 10)
    win.invoices.select_row(7)
    win.resize(1024, 700)
    pump(app, 0.8)
    save(win, "main-1024.png")
    win.resize(1920, 1080)
    win.invoices.search.clear()
    until(app, lambda: len(win.invoices.model.rows) > 10)
    win.invoices.select_row(5)
    win.setProperty("kiosk", True)
    win.style().unpolish(win)
    win.style().polish(win)
    for w in win.findChildren(object):
        if hasattr(w, "style") and hasattr(w, "ensurePolished"):
            w.style().unpolish(w)
            w.style().polish(w)
    pump(app, 0.5)
    save(win, "kiosk.png")
    win.close()
    demo.stop()


def _open_invoice(ctx, used: set[str]) -> str:
    from kiosk.ledger.search import search_invoices

    with ctx.ledger.begin() as s:
        rows = search_invoices(s, "", status="open", limit=50)
    number = next(r.number for r in rows if r.number not in used and r.currency == "INR")
    used.add(number)
    return number


_used: set[str] = {"INV-DEMO-0002"}


def _start_payment(app, win, number: str):
    win.invoices.search.setText(number)
    until(app, lambda: win.detail.detail is not None and win.detail.detail.row.number == number)
    win.take_payment()
    dlg = win.payment_dialog
    attempt: list = []
    dlg.started.connect(attempt.append)
    dlg.amount_page.start.click()
    until(app, lambda: attempt)
    pump(app, 1.0)
    return dlg, attempt[0]


def student_display_shots(app, win, demo, save):
    """The display facing the student through one payment: idle, QR, declined, paid."""
    import contextlib

    from kiosk.demo import pay_with_test_card
    from ui.customer_display import attach

    api, key = demo.env["STRIPE_API_BASE"], demo.env["STRIPE_SECRET_KEY"]
    display = attach(win, forced=True)
    display.resize(1280, 720)
    pump(app, 0.5)
    save(display, "student-display-idle.png")
    dlg, attempt = _start_payment(app, win, _open_invoice(win.ctx, _used))
    save(display, "student-display-qr.png")
    save(dlg, "payment-qr-student-screen.png")
    with contextlib.suppress(Exception):
        pay_with_test_card(api, key, attempt.stripe_id, "4000000000000002")
    until(app, lambda: display.state == "declined")
    pump(app, 0.2)
    save(display, "student-display-declined.png")
    pay_with_test_card(api, key, attempt.stripe_id)
    until(app, lambda: dlg.receipt_number is not None)
    pump(app, 0.5)
    save(display, "student-display-paid.png")
    dlg.accept()
    display.show_idle()
    win.payment_opened.disconnect(display.follow)  # the other shots show the desk alone
    display.hide()
    return display


def dark_display_shot(app, win, display, save):
    win.payment_opened.connect(display.follow)
    display.show()
    dlg, _attempt = _start_payment(app, win, _open_invoice(win.ctx, _used))
    save(display, "dark-student-display.png")
    dlg.wait_page.cancel.click()
    until(app, lambda: dlg.wait_page.state == "cancelled")
    dlg.reject()
    display.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "screenshots")
