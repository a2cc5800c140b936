"""The README's UPI screenshots: `python -m tests.ui.make_upi_screenshots [OUT]`.

The payment dialog while the student approves in their UPI app (payment-upi-wait.png) and
the receipt of that payment (receipt-upi.png, `pdftoppm -png -r 70`), on the demo wiring.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.ui.make_screenshots import ROOT, pump, until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(out: Path) -> None:
    from kiosk.demo import decide_upi, pay_with_test_vpa, start_demo
    from ui.app import create_app
    from ui.main_window import MainWindow
    from ui.staff import sign_in

    out.mkdir(parents=True, exist_ok=True)
    demo = start_demo(Path(tempfile.mkdtemp(prefix="kiosk-shots-")), lan=False)
    api, key = demo.env["STRIPE_API_BASE"], demo.env["STRIPE_SECRET_KEY"]
    app = create_app(demo.ctx)
    win = MainWindow(demo.ctx)
    win.resize(1440, 860)
    win.show()
    win.start()
    win.sign_in_as(sign_in(demo.ctx, *demo.cashier))
    until(app, lambda: win.poller is not None and "Relay connected" in win.status.sync.text())
    win.invoices.search.setText("INV-DEMO-0002")
    until(app, lambda: win.detail.detail is not None)
    pump(app, 0.3)
    win.take_payment()
    dlg = win.payment_dialog
    attempt: list = []
    dlg.started.connect(attempt.append)
    dlg.amount_page.start.click()
    until(app, lambda: attempt)
    pay_with_test_vpa(api, key, attempt[0].stripe_id, "payment.pending@stripeupi")
    until(app, lambda: dlg.wait_page.upi_pending)
    pump(app, 1.2)
    dlg.grab().save(str(out / "payment-upi-wait.png"))
    decide_upi(api, key, attempt[0].stripe_id, approve=True)
    until(app, lambda: dlg.receipt_number is not None)
    pump(app, 0.5)
    pdf = dlg.receipt_page.path
    dlg.accept()
    win.close()
    _receipt_png(Path(pdf), out / "receipt-upi.png")
    demo.stop()


def _receipt_png(pdf: Path, png: Path) -> None:
    if shutil.which("pdftoppm") is None:
        raise SystemExit("pdftoppm not installed: apt-get install poppler-utils")
    stem = png.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-singlefile", str(pdf), str(stem)], check=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "resources" / "screenshots")
