"""The counter's screens: open with a float, the status bar's drawer figure, the close's
denomination grid (sums as you type, the variance in colour and words, a supervisor's
approval), blind close, the report preview, and the clearance list's Clear and Bounce."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.counter.conftest import today

SUPERVISOR = ("admin@example.com", "adminpass123")


@pytest.fixture
def signed_in(qtbot, window, cashier):
    window.sign_in_as(cashier)
    qtbot.waitUntil(lambda: window.counter.open_action.isEnabled(), timeout=10_000)
    return window


def _open(qtbot, win, amount: str = "5,000") -> str:
    win.counter.open_counter()
    dlg = win.counter_open_dialog
    dlg.float_edit.setText(amount)
    with qtbot.waitSignal(dlg.opened, timeout=10_000) as opened:
        dlg.ok.click()
    qtbot.waitUntil(lambda: win.counter.state is not None, timeout=10_000)
    return opened.args[0]


def _invoice(ctx) -> str:
    from kiosk.ledger.search import search_invoices

    with ctx.ledger.read() as s:
        rows = search_invoices(s, "", status="open", limit=50, today=today())
    return next(r.number for r in rows if r.currency == "INR" and r.balance >= 2_000_000)


def _cash(ctx, cashier, amount: int, tendered: int | None = None) -> None:
    from kiosk.payments.tender_types import Cash
    from kiosk.payments.tenders import take_tender

    take_tender(ctx, _invoice(ctx), Cash(amount, tendered), cashier)


def _close_dialog(qtbot, win):
    win.counter.close_counter()
    qtbot.waitUntil(lambda: getattr(win, "counter_close_dialog", None) is not None, timeout=10_000)
    return win.counter_close_dialog


def test_open_shows_the_session_and_the_drawer_in_the_status_bar(qtbot, signed_in, cashier):
    win = signed_in
    number = _open(qtbot, win)
    assert number.startswith("CS-")
    assert win.counter.close_action.isEnabled() and not win.counter.open_action.isEnabled()
    assert win.statusBar().counter.text() == f"{number} · ₹5,000.00 in the drawer"
    _cash(win.ctx, cashier, 1_500_000, 2_000_000)
    win.counter.refresh_soon()
    qtbot.waitUntil(
        lambda: win.statusBar().counter.text() == f"{number} · ₹20,000.00 in the drawer",
        timeout=10_000,
    )


def test_a_bad_float_is_refused_in_the_dialog(qtbot, signed_in):
    win = signed_in
    win.counter.open_counter()
    dlg = win.counter_open_dialog
    dlg.float_edit.setText("12,34")
    dlg.ok.click()
    assert dlg.error.isVisible() and dlg.error.text().startswith("Float:")
    assert win.counter.state is None


def test_close_sums_the_grid_and_needs_a_supervisor_for_a_variance(qtbot, signed_in, cashier):
    win = signed_in
    number = _open(qtbot, win)
    _cash(win.ctx, cashier, 1_500_000)  # expected: ₹20,000
    dlg = _close_dialog(qtbot, win)
    assert dlg.expected_label.text() == "₹20,000.00"
    dlg.count.set_count({500: 39, 200: 2}, "50")  # ₹19,950: ₹50 short
    assert dlg.count.total_label.text() == "₹19,950.00"
    assert dlg.variance.text() == "₹50.00 short" and dlg.variance.property("state") == "short"
    assert dlg.approval.isVisibleTo(dlg)
    dlg.close_button.click()
    assert "supervisor must approve" in dlg.error.text()
    dlg.supervisor.setText(SUPERVISOR[0])
    dlg.password.setText(SUPERVISOR[1])
    dlg.close_button.click()
    assert "say why the count differs" in dlg.error.text().lower()
    dlg.password.setText(SUPERVISOR[1])
    dlg.reason.setText("change given twice")
    with qtbot.waitSignal(dlg.closed, timeout=15_000) as closed:
        dlg.close_button.click()
    figures = closed.args[0]
    assert figures["session"] == number and figures["variance"] == -5_000
    assert figures["approved_by"] == SUPERVISOR[0] and figures["status"] == "closed"
    assert dlg.pages.currentWidget() is dlg.report
    assert dlg.report.document.pageCount() >= 1 and dlg.report.path.is_file()
    qtbot.waitUntil(lambda: win.statusBar().counter.text() == "Counter closed", timeout=10_000)
    assert win.counter.report_action.isEnabled()


def test_an_exact_count_closes_without_approval(qtbot, signed_in):
    win = signed_in
    _open(qtbot, win, "1,000")
    dlg = _close_dialog(qtbot, win)
    dlg.count.set_count({500: 2})
    assert dlg.variance.text() == "balanced" and dlg.variance.property("state") == "balanced"
    assert not dlg.approval.isVisibleTo(dlg)
    with qtbot.waitSignal(dlg.closed, timeout=15_000):
        dlg.close_button.click()


def test_over_is_amber_and_a_wrong_supervisor_changes_nothing(qtbot, signed_in):
    win = signed_in
    _open(qtbot, win, "1,000")
    dlg = _close_dialog(qtbot, win)
    dlg.count.set_count({500: 2}, "20")
    assert dlg.variance.text() == "₹20.00 over" and dlg.variance.property("state") == "over"
    dlg.supervisor.setText(SUPERVISOR[0])
    dlg.password.setText("wrong password")
    dlg.reason.setText("found a note")
    dlg.close_button.click()
    qtbot.waitUntil(lambda: dlg.error.isVisible(), timeout=10_000)
    assert win.counter.state is not None  # still open
    with win.ctx.ledger.read() as s:
        from kiosk.ledger.counter import open_for

        assert open_for(s, win.ctx.desk) is not None


def test_blind_close_shows_the_expected_cash_only_after_the_count(qtbot, signed_in, cashier):
    win = signed_in
    win.ctx.settings.set("counter.blind_close", True)
    _open(qtbot, win, "1,000")
    _cash(win.ctx, cashier, 100_000)
    win.counter.refresh()
    qtbot.waitUntil(lambda: "blind" in win.statusBar().counter.text(), timeout=10_000)
    dlg = _close_dialog(qtbot, win)
    assert "after the count" in dlg.expected_label.text() and dlg.variance.text() == "—"
    assert dlg.close_button.text() == "Submit count"
    dlg.count.set_count({500: 4})  # ₹2,000 against ₹2,000 expected
    dlg.close_button.click()
    qtbot.waitUntil(lambda: dlg.expected_label.text() == "₹2,000.00", timeout=10_000)
    assert dlg.variance.text() == "balanced" and not dlg.count.isEnabled()
    with qtbot.waitSignal(dlg.closed, timeout=15_000):
        dlg.close_button.click()


def test_clearance_lists_instruments_and_clears_and_bounces(qtbot, signed_in, cashier, monkeypatch):
    from kiosk.ledger.users import authenticate
    from kiosk.payments.tender_types import Instrument
    from kiosk.payments.tenders import take_tender
    from ui.clearance_dialog import BounceReason, ClearanceDialog
    from ui.supervisor_dialog import SupervisorDialog

    win = signed_in
    _open(qtbot, win, "0")
    dated = today() - timedelta(days=1)
    for number in ("100200", "100201"):
        take_tender(
            win.ctx,
            _invoice(win.ctx),
            Instrument("cheque", 500_000, number, "ICICI Bank", dated),
            cashier,
        )
    dlg = ClearanceDialog(win, win.ctx, cashier, win)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 2, timeout=10_000)
    assert (
        dlg.table.item(0, 4).text() == "Cheque 100200"
        and dlg.table.item(0, 7).text() == "₹5,000.00"
    )
    with qtbot.waitSignal(dlg.settled, timeout=10_000) as cleared:
        dlg.clear_button.click()
    assert cleared.args[0].status == "paid"
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 1, timeout=10_000)
    monkeypatch.setattr(BounceReason, "ask", classmethod(lambda cls, p, what: "insufficient funds"))

    def approve(cls, parent, ctx, action, target="", requested_by=""):
        with ctx.ledger.begin() as s:
            return authenticate(s, *SUPERVISOR)

    monkeypatch.setattr(SupervisorDialog, "ask", classmethod(approve))
    with qtbot.waitSignal(dlg.settled, timeout=15_000) as bounced:
        dlg.bounce_button.click()
    assert bounced.args[0].status == "bounced" and bounced.args[0].reversal_note
    qtbot.waitUntil(lambda: getattr(win, "receipt_dialog", None) is not None, timeout=10_000)
    assert "Reversal note" in win.receipt_dialog.preview.title.text()
    qtbot.waitUntil(lambda: dlg.table.rowCount() == 0, timeout=10_000)
    assert "Nothing is awaiting clearance" in dlg.note.text()


def test_the_summary_has_the_counter_sessions_figures(qtbot, signed_in, cashier):
    from ui.summary_dialog import SummaryDialog

    win = signed_in
    number = _open(qtbot, win, "1,000")
    _cash(win.ctx, cashier, 250_000)
    dlg = SummaryDialog(win, win.ctx)
    qtbot.addWidget(dlg)
    tree = dlg.counter.tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() > 0, timeout=10_000)
    rows = [
        tuple(tree.topLevelItem(i).text(c).strip() for c in range(3))
        for i in range(tree.topLevelItemCount())
    ]
    assert dlg.counter.heading.text() == f"Counter session {number} (open)"
    assert ("Taken by channel", "", "") in rows and ("Cash", "1", "₹2,500.00") in rows
    assert ("Expected in the drawer", "", "₹3,500.00") in rows
    assert ("Net (taken less refunds and bounces)", "", "₹2,500.00") in rows
    assert dlg.tabs.tabText(1) == "Counter session"


def test_enter_in_the_count_moves_on_and_never_closes(qtbot, signed_in):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    win = signed_in
    _open(qtbot, win, "1,000")
    dlg = _close_dialog(qtbot, win)
    dlg.show()
    first, second = dlg.count.pieces[500], dlg.count.pieces[200]
    first.setFocus()
    qtbot.waitUntil(lambda: first.lineEdit().selectedText() == "0", timeout=2_000)
    QTest.keyClicks(first, "2")  # replaces the 0: two notes, not twenty
    QTest.keyClick(first, Qt.Key.Key_Return)
    assert dlg.isVisible() and dlg.count.count().total == 100_000
    assert second.hasFocus() or dlg.focusWidget() is not first
    assert win.counter.state is not None  # still open
