"""One zone everywhere (issue 14): on a machine whose own zone is UTC, a desk configured for
Asia/Kolkata shows the time the receipt prints, not the machine's (07:02 on screen, 12:32
IST on the receipt was the bug)."""

from __future__ import annotations

import re
import time

import pytest

from tests.ui.conftest import started_window


@pytest.fixture
def machine_in_utc(monkeypatch):
    """The process's own zone is UTC (what `datetime.astimezone()` falls back to)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_desk_status_bar_and_receipt_show_the_same_local_time(
    qtbot, machine_in_utc, window, cashier, tmp_path
):
    from kiosk.ledger.types import utcnow
    from kiosk.receipts.listing import list_receipts
    from kiosk.receipts.service import original_pdf, render_one
    from kiosk.sync.state import SyncState, SyncStatus
    from tests.receipts.conftest import pdf_text

    ctx = window.ctx
    ctx.settings.set("desk.timezone", "Asia/Kolkata")
    number = next(f.number for f in list_receipts(ctx) if not f.is_refund)
    assert render_one(ctx, number)
    facts = next(f for f in list_receipts(ctx) if f.number == number)
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(original_pdf(ctx, facts))
    printed = re.search(r"(\d{2}:\d{2}) IST", pdf_text(pdf))
    assert printed, "the receipt prints its time in the desk's zone"
    receipt_time = printed.group(1)
    assert facts.issued_at.strftime("%H:%M") != receipt_time  # UTC and IST differ

    window.sign_in_as(cashier)
    window.detail.load(facts.invoice_number)
    qtbot.waitUntil(
        lambda: window.detail.detail is not None and window.detail.receipts.topLevelItemCount(),
        timeout=10_000,
    )
    tree = window.detail.receipts
    rows = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    shown = next(r.text(2) for r in rows if r is not None and r.text(0) == facts.number)
    assert shown.endswith(receipt_time), (shown, receipt_time)
    payments = window.detail.payments
    paid_rows = [payments.topLevelItem(i) for i in range(payments.topLevelItemCount())]
    assert any(r is not None and r.text(0).endswith(receipt_time) for r in paid_rows)

    offline = SyncState(status=SyncStatus.OFFLINE, offline_since=facts.issued_at)
    window.status.on_sync_state_changed(offline)
    assert f"offline since {receipt_time}" in window.status.sync.text()
    assert utcnow().tzinfo is not None


def test_list_and_detail_say_overdue_by_the_desks_date(qtbot, monkeypatch, desk_ctx, cashier):
    """Machine at UTC-11, desk at UTC+14: due on the machine's date is overdue at the desk."""
    from kiosk import clock
    from kiosk.ledger.models import Invoice
    from kiosk.ledger.search import search_invoices

    monkeypatch.setenv("TZ", "Pacific/Pago_Pago")
    time.tzset()
    desk_ctx.settings.set("desk.timezone", "Pacific/Kiritimati")
    machine_day = clock.today("Pacific/Pago_Pago")
    with desk_ctx.ledger.begin() as s:
        number = search_invoices(s, "", status="open", limit=1)[0].number
        s.query(Invoice).filter(Invoice.number == number).one().due_date = machine_day
    win = started_window(qtbot, desk_ctx, show=False)
    win.sign_in_as(cashier)
    win.invoices.search.setText(number)
    model = win.invoices.model
    qtbot.waitUntil(lambda: [r.number for r in model.rows] == [number], timeout=10_000)
    detail = win.detail
    qtbot.waitUntil(lambda: detail.detail is not None and detail.detail.row.number == number)
    try:
        assert model.rows[0].status == "overdue"
        assert win.detail.detail.row.status == "overdue"
    finally:
        win.close()
        monkeypatch.undo()
        time.tzset()
