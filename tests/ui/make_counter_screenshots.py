"""Screenshots of the counter's screens for the README:
`python -m tests.ui.make_counter_screenshots [OUT]`.

A demo ledger offscreen: the counter opened with a float, a day of cash, a cheque and a
draft, the close with a variance and the supervisor's approval, the report, and the
cheques awaiting clearance. Saves to resources/screenshots/ (or OUT).
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.ui.make_screenshots import pump, until  # noqa: E402


def _tenders(ctx, user) -> None:
    from kiosk.clock import desk_today
    from kiosk.ledger.search import search_invoices
    from kiosk.payments.tender_types import Cash, Instrument
    from kiosk.payments.tenders import take_tender

    day = desk_today(ctx.settings)
    with ctx.ledger.read() as s:
        rows = search_invoices(s, "", status="open", limit=20, today=day)
    numbers = [r.number for r in rows if r.currency == "INR" and r.balance >= 3_000_000]
    take_tender(ctx, numbers[0], Cash(1_500_000, 2_000_000), user)
    take_tender(ctx, numbers[1], Cash(620_000), user)
    dated = day - timedelta(days=2)
    take_tender(ctx, numbers[2], Instrument("cheque", 2_500_000, "004512", "State Bank of India", dated), user)  # fmt: skip
    take_tender(ctx, numbers[3], Instrument("dd", 1_200_000, "778812", "Canara Bank", dated), user)


def main(out: Path) -> None:
    from kiosk.context import Context
    from kiosk.ledger.demo_data import load_demo_data
    from kiosk.ledger.users import authenticate
    from ui.app import create_app
    from ui.clearance_dialog import ClearanceDialog
    from ui.main_window import MainWindow

    out.mkdir(parents=True, exist_ok=True)
    ctx = Context(Path(tempfile.mkdtemp(prefix="kiosk-counter-shots-")))
    load_demo_data(ctx.ledger, students=30, desk=ctx.desk)
    app = create_app(ctx)
    win = MainWindow(ctx)
    win.resize(1366, 768)
    win.show()
    win.start()
    pump(app, 1.0)
    with ctx.ledger.begin() as s:
        user = authenticate(s, "cashier@example.com", "cashierpass123")
    win.sign_in_as(user)
    until(app, lambda: win.counter.open_action.isEnabled())
    save = lambda w, name: w.grab().save(str(out / name))  # noqa: E731

    win.counter.open_counter()
    dlg = win.counter_open_dialog
    dlg.float_edit.setText("5,000")
    pump(app, 0.3)
    save(dlg, "counter-open.png")
    dlg.ok.click()
    until(app, lambda: win.counter.state is not None)
    _tenders(ctx, user)
    win.counter.refresh()
    pump(app, 0.8)

    win.invoices.search.setText("INV-DEMO-0009")
    until(
        app,
        lambda: win.detail.detail is not None and win.detail.detail.row.number == "INV-DEMO-0009",
    )
    win.take_payment()
    pay = win.payment_dialog
    pay.amount_page.counter["cash"].setChecked(True)
    pay.amount_page.amount.setText("15,000")
    pay.amount_page.fields.tendered.setText("20,000")
    pump(app, 0.3)
    save(pay, "pay-cash.png")
    pay.reject()
    pump(app, 0.3)

    clearance = ClearanceDialog(win, ctx, user, win)
    clearance.show()
    until(app, lambda: clearance.table.rowCount() == 2)
    pump(app, 0.3)
    save(clearance, "clearance.png")
    clearance.close()

    win.counter.close_counter()
    until(app, lambda: getattr(win, "counter_close_dialog", None) is not None)
    close = win.counter_close_dialog
    close.count.set_count({500: 50, 200: 5, 100: 1}, "50")  # ₹26,150: ₹50 short
    close.supervisor.setText("admin@example.com")
    close.password.setText("adminpass123")
    close.reason.setText("change given twice at the rush")
    pump(app, 0.3)
    save(close, "counter-close.png")
    close.close_button.click()
    until(app, lambda: close.pages.currentWidget() is close.report, timeout=30)
    pump(app, 1.0)
    save(close, "counter-report-preview.png")
    win.close()
    ctx.ledger.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "screenshots")
