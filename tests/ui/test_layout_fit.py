"""Nothing that carries money or an identifier is ever cut off: at 1024×700, 1366×768 and
1920×1080, and in kiosk mode, every amount, invoice number, student number, date, receipt
number and status in the invoice list and the detail pane's tables is shown whole and in
view; only names (and other free text) give way."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractItemView, QApplication, QTableView, QTreeWidget

from kiosk.ledger.views import (
    InvoiceDetail,
    InvoiceRow,
    PaymentView,
    ReceiptView,
    RefundView,
)
from tests.ui.conftest import started_window

SHOTS = Path(os.environ.get("LAYOUT_SHOTS", "/tmp"))
SIZES = [(1024, 700), (1366, 768), (1920, 1080)]
BIG = "S2026123456,Venkata Lakshmi Narasimha Subrahmanya Sastry Ramachandran"
CSV = (
    "student_number,student_name,email,phone,programme,invoice_number,currency,issue_date,"
    "due_date,component,amount,priority\n"
    f"{BIG},venkata@students.example.edu,+91 98450 11223,MBA,INV-2026-0001234,INR,"
    '2027-01-04,2027-02-15,Tuition,"12,34,567.50",1\n'
)
# Columns that may give way (elide): the invoice list's student name; in the detail pane
# the component name, the payment method, the refund reason and the receipt kind.
FREE_TEXT = {"Invoices": {1}, "Fee components": {0}, "Payments": {2}, "Refunds": {3}}
FREE_TEXT["Receipts"] = {1}


def _cut_cells(view: QAbstractItemView) -> list[str]:
    """Cells of `view` (other than its free-text columns) whose text does not fit whole in
    their cell, or whose cell is not entirely in view."""
    model = view.model()
    free = FREE_TEXT[view.accessibleName()]
    room = view.viewport().rect()
    bad = []
    fm = view.fontMetrics()
    for row in range(model.rowCount()):
        for col in range(model.columnCount()):
            if col in free or view.isColumnHidden(col):
                continue
            index = model.index(row, col)
            text = str(model.data(index) or "")
            cell = view.visualRect(index)
            if not cell.isValid() or cell.top() > room.bottom():
                continue  # scrolled out of sight vertically
            # The text's own advance plus the delegate's margins, padding and icon
            # (sizeHintForIndex) is what the cell must hold for Qt not to elide it.
            need = max(view.sizeHintForIndex(index).width(), fm.horizontalAdvance(text))
            if need > cell.width() or cell.right() > room.right() or cell.left() < 0:
                bad.append(f"{view.accessibleName()}[{row},{col}] {text!r}: {need} > {cell}")
    return bad


def _labels_cut(pane) -> list[str]:
    """Money and identifier labels of the detail pane that are clipped or out of view."""
    view = pane.scroll_area.viewport()
    bad = []
    for label in [pane.number, pane.status, *pane.figure_labels.values()]:
        left = label.mapTo(view, label.rect().topLeft()).x()
        if label.sizeHint().width() > label.width() or left + label.width() > view.width():
            bad.append(f"{label.accessibleName() or label.text()!r}: {label.sizeHint()}")
    student = pane.student  # wraps: every line (number, email, phone, due date) in view
    if student.heightForWidth(student.width()) > student.height():
        bad.append(f"student block: {student.heightForWidth(student.width())} > {student.height()}")
    if student.minimumSizeHint().width() > student.width():
        bad.append(f"student block: a word is wider than {student.width()}")
    return bad


def _detail() -> InvoiceDetail:
    """A wide invoice the pane has to show: lakhs, a refund, several receipts."""
    now = datetime(2027, 1, 20, 11, 45, tzinfo=UTC)
    row = InvoiceRow(
        1,
        "INV-2026-0001234",
        "S2026123456",
        "Venkata Lakshmi Narasimha Subrahmanya Sastry Ramachandran",
        "venkata.lakshmi.narasimha@students.example.edu",
        "INR",
        now.date(),
        now.date(),
        12_34_567_50,
        11_00_000_00,
        1_00_000_00,
        "partially_paid",
    )
    from kiosk.ledger.views import ComponentView

    comps = [
        ComponentView(1, "Tuition and laboratory fees, semester 2", 10_00_000_00, 10_00_000_00, 1),
        ComponentView(2, "Hostel", 2_34_567_50, 1_00_000_00, 2),
    ]
    pay = PaymentView(
        1,
        "pi_1",
        11_00_000_00,
        1_23_456_00,
        "payment_link",
        "mastercard",
        "4444",
        "relay",
        "Desk 1",
        "late",
        now,
        "R-2026-000123",
        [],
    )
    refund = RefundView(
        1,
        "pi_1",
        "re_1",
        1_23_456_00,
        "pending",
        "Paid twice at two desks on the same day",
        "",
        now,
        None,
    )
    receipts = [
        ReceiptView("R-2026-000123", "payment", now, None, None),
        ReceiptView("R-2026-000124", "refund", now, None, None),
    ]
    return InvoiceDetail(row, "+91 98450 11223", "MBA", comps, [pay], [refund], receipts)


@pytest.fixture
def big_desk(request, qtbot, desk_ctx, cashier, tmp_path):
    """The desk, signed in, with a 12-lakh invoice and a long name in the list; in kiosk
    mode when the test's parameter says so."""
    desk_ctx.settings.set("ui.kiosk_mode", bool(getattr(request, "param", False)))
    from kiosk.ledger.importer import import_csv

    path = tmp_path / "big.csv"
    path.write_text(CSV, encoding="utf-8")
    import_csv(desk_ctx.ledger, path)
    win = started_window(qtbot, desk_ctx)
    win.sign_in_as(cashier)
    yield win
    win.close()


def _settle(qtbot, win, size) -> None:
    win.resize(*size)
    for _ in range(3):
        QApplication.processEvents()


CASES = [(False, size) for size in SIZES] + [(True, size) for size in SIZES[1:]]


@pytest.mark.parametrize(
    ("big_desk", "size"),
    CASES,
    ids=[f"{'kiosk' if k else 'desk'}-{w}x{h}" for k, (w, h) in CASES],
    indirect=["big_desk"],
)
def test_no_money_or_id_is_cut_off(qtbot, big_desk, size):
    win = big_desk
    kiosk = win.property("kiosk")
    qtbot.waitUntil(lambda: win.invoices.select_number("INV-2026-0001234"), timeout=10_000)
    detail = win.detail
    qtbot.waitUntil(lambda: detail.detail is not None, timeout=10_000)
    assert detail.detail.row.number == "INV-2026-0001234"
    detail.show_detail(_detail())
    _settle(qtbot, win, size)
    table = win.invoices.table
    assert isinstance(table, QTableView)
    bad = _cut_cells(table)
    for tree in detail.findChildren(QTreeWidget):
        assert tree.isVisibleTo(detail), tree.accessibleName()
        bad += _cut_cells(tree)
    bad += _labels_cut(detail)
    win.grab().save(str(SHOTS / f"layout-{size[0]}-{kiosk}.png"))
    assert not bad, "\n".join(bad)
    # the big invoice's own amounts are in the list, whole
    texts = {table.model().data(table.model().index(r, 4)) for r in range(table.model().rowCount())}
    assert "₹12,34,567.50" in texts
    assert win.width() == size[0]  # and the window still fits the screen


def test_the_name_column_gives_way_first(qtbot, big_desk):
    win = big_desk
    _settle(qtbot, win, (1024, 700))
    table = win.invoices.table
    name = table.columnWidth(1)
    assert table.textElideMode().name == "ElideRight"
    assert name < table.sizeHintForColumn(1)  # the long names elide…
    for col in (0, 6, 7):  # invoice, balance and status are never dropped
        assert not table.isColumnHidden(col)
    for col in (0, 2, 3, 4, 5, 6, 7):  # …while the money and numbers keep their width
        if not table.isColumnHidden(col):
            assert table.columnWidth(col) >= table.sizeHintForColumn(col) - 1, col
    win.grab().save(str(SHOTS / "layout-1024.png"))
