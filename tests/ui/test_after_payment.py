"""After a payment: refund with supervisor approval, reprint, the day's summary."""

from __future__ import annotations

import pytest

from tests.ui.conftest import fresh_invoice, select_invoice
from tests.ui.test_payment_flow import _pay, _start

pytestmark = pytest.mark.slow


@pytest.fixture
def paid_invoice(qtbot, demo, demo_window):
    win = demo_window
    number = fresh_invoice(demo.ctx)
    select_invoice(qtbot, win, number)
    dlg, attempt = _start(qtbot, win)
    with qtbot.waitSignal(dlg.receipt_shown, timeout=20_000):
        _pay(demo, attempt.stripe_id)
    dlg.accept()
    qtbot.waitUntil(lambda: bool(win.detail.detail.payments), timeout=10_000)
    return number


def test_refund_needs_a_supervisor_on_the_spot(qtbot, demo, demo_window, paid_invoice, monkeypatch):
    from kiosk.ledger.users import authenticate
    from ui.refund_dialog import RefundDialog
    from ui.supervisor_dialog import SupervisorDialog

    win = demo_window
    detail = win.detail.detail
    payment = detail.payments[0]
    # The refund dialog's own validation, through its widgets.
    dlg = RefundDialog(win, detail, payment, "en_IN", "Asia/Kolkata")
    qtbot.addWidget(dlg)
    assert not dlg.ok.isEnabled() and "reason" in dlg.error.text().lower()
    dlg.reason.setText("paid twice")
    dlg.amount.setText("99999999")
    assert not dlg.ok.isEnabled() and "at most" in dlg.error.text().lower()
    dlg.amount.setText("500")
    assert dlg.ok.isEnabled()
    dlg.on_buttons_accepted()
    assert dlg.result_value == (50_000, "paid twice")

    asked: list[str] = []
    monkeypatch.setattr(RefundDialog, "ask", classmethod(lambda cls, *a: (50_000, "paid twice")))

    def approve(cls, parent, ctx, action, target="", requested_by=""):
        asked.append(action)
        with ctx.ledger.begin() as s:
            return authenticate(s, *demo.supervisor)

    monkeypatch.setattr(SupervisorDialog, "ask", classmethod(approve))
    win.detail.payments.setCurrentItem(win.detail.payments.topLevelItem(0))
    win.detail.refund_button.click()
    assert asked == ["Refund ₹500.00"]
    qtbot.waitUntil(
        lambda: (
            bool(win.detail.detail.refunds) and win.detail.detail.refunds[0].status == "succeeded"
        ),
        timeout=20_000,
    )
    assert win.detail.detail.refunds[0].amount == 50_000
    assert win.detail.refunds.topLevelItemCount() == 1
    # the refund note opens for printing like a receipt: the original, not a DUPLICATE
    note = win.detail.detail.refunds[0].receipt_number
    qtbot.waitUntil(lambda: win.receipt_dialog is not None, timeout=10_000)
    preview = win.receipt_dialog.preview
    assert preview.number == note and "duplicate" not in preview.path.name
    assert preview.title.text() == f"Refund note {note}"
    assert preview.document.pageCount() >= 1
    win.receipt_dialog.accept()


def test_refund_refused_without_approval(qtbot, demo, demo_window, paid_invoice, monkeypatch):
    from ui.refund_dialog import RefundDialog
    from ui.supervisor_dialog import SupervisorDialog

    win = demo_window
    monkeypatch.setattr(RefundDialog, "ask", classmethod(lambda cls, *a: (None, "mistake")))
    monkeypatch.setattr(SupervisorDialog, "ask", classmethod(lambda cls, *a, **k: None))
    win.detail.payments.setCurrentItem(win.detail.payments.topLevelItem(0))
    win.detail.refund_button.click()
    qtbot.wait(300)
    assert not win.detail.detail.refunds


def test_reprint_and_summary(qtbot, demo, demo_window, paid_invoice, monkeypatch, tmp_path):
    from ui.desk_actions import FilePicker

    win = demo_window
    qtbot.waitUntil(lambda: win.detail.receipts.topLevelItemCount() >= 1, timeout=10_000)
    win.detail.receipts.setCurrentItem(win.detail.receipts.topLevelItem(0))
    win.detail.reprint_button.click()
    qtbot.waitUntil(lambda: win.receipt_dialog is not None, timeout=10_000)
    preview = win.receipt_dialog.preview
    assert preview.document.pageCount() >= 1
    assert "duplicate" in preview.path.name
    win.receipt_dialog.accept()

    win.actions_.summary()
    dlg = win.summary_dialog
    with qtbot.waitSignal(dlg.loaded, timeout=10_000) as loaded:
        pass
    summary = loaded.args[0]
    assert summary.currencies[0].collected > 0
    assert any(line.label.startswith("Checkout") for line in summary.currencies[0].by_channel)
    assert summary.currencies[0].by_component
    assert "₹" in dlg.net.text()
    for kind in ("csv", "pdf"):
        out = tmp_path / f"summary.{kind}"
        monkeypatch.setattr(FilePicker, "save", classmethod(lambda cls, *a, o=out: o))
        with qtbot.waitSignal(dlg.exported, timeout=20_000):
            getattr(dlg, f"on_{kind}_button_clicked")()
        assert out.stat().st_size > 100
    assert (
        "Net" in (tmp_path / "summary.csv").read_text()
        or "net" in (tmp_path / "summary.csv").read_text()
    )


def test_void_needs_a_supervisor_and_is_refused_over_money(
    qtbot, demo, demo_window, paid_invoice, monkeypatch
):
    from kiosk.ledger.users import authenticate
    from ui import errors
    from ui.supervisor_dialog import SupervisorDialog
    from ui.void_dialog import VoidDialog

    win = demo_window
    dlg = VoidDialog(win, win.detail.detail)
    qtbot.addWidget(dlg)
    assert not dlg.ok.isEnabled()
    dlg.reason.setText("issued twice")
    assert dlg.ok.isEnabled()

    before = len(errors.shown)
    monkeypatch.setattr(VoidDialog, "ask", classmethod(lambda cls, *a: "issued twice"))
    asked: list[str] = []

    def approve(cls, parent, ctx, action, target="", requested_by=""):
        asked.append(action)
        with ctx.ledger.begin() as s:
            return authenticate(s, *demo.supervisor)

    monkeypatch.setattr(SupervisorDialog, "ask", classmethod(approve))
    win.actions_.void_action.trigger()  # the paid invoice holds money: refused, in words
    assert asked == ["Void invoice"]
    qtbot.waitUntil(lambda: len(errors.shown) > before, timeout=10_000)
    assert "refund them before voiding" in errors.shown[-1]
    assert win.detail.detail.row.status != "void"


def test_a_supervisor_voids_an_unpaid_invoice(qtbot, demo, demo_window, monkeypatch):
    from kiosk.ledger.users import authenticate
    from ui.supervisor_dialog import SupervisorDialog
    from ui.void_dialog import VoidDialog

    win = demo_window
    select_invoice(qtbot, win, fresh_invoice(demo.ctx))
    monkeypatch.setattr(VoidDialog, "ask", classmethod(lambda cls, *a: "issued twice"))

    def approve(cls, parent, ctx, action, target="", requested_by=""):
        with ctx.ledger.begin() as s:
            return authenticate(s, *demo.supervisor)

    monkeypatch.setattr(SupervisorDialog, "ask", classmethod(approve))
    win.actions_.void_action.trigger()
    qtbot.waitUntil(lambda: win.detail.detail.row.status == "void", timeout=10_000)
    win.take_payment()  # a void invoice takes no payment
    assert win.payment_dialog is None or not win.payment_dialog.isVisible()
