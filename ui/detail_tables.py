"""The detail pane's tables (components, payments, refunds, receipts): how each is built,
filled from an InvoiceDetail, and sized to its rows."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTreeWidget, QTreeWidgetItem

from kiosk.clock import local
from kiosk.ledger.views import InvoiceDetail

Fmt = Callable[[int], str]


def fill_components(tree: QTreeWidget, d: InvoiceDetail, fmt: Fmt) -> None:
    tree.clear()
    for c in d.components:
        add(tree, (c.name, fmt(c.amount), fmt(c.paid), fmt(c.balance)), c, (1, 2, 3))


def method_text(p) -> str:
    """Visa ···4242, UPI · pay•••@bank, or the channel; a flag after it."""
    method = (
        f"{p.card_brand.title()} ···{p.card_last4}"
        if p.card_last4
        else (p.channel.replace("_", " ").capitalize())
    )
    if p.method == "upi":
        method = f"UPI · {p.upi_vpa}" if p.upi_vpa else "UPI"
    if p.flag:
        method += f" ⚑ {p.flag}"
    return method


def fill_payments(tree: QTreeWidget, d: InvoiceDetail, fmt: Fmt, zone: ZoneInfo) -> None:
    tree.clear()
    for p in d.payments:
        when = f"{local(p.received_at, zone):%d %b %H:%M}"
        item = (when, fmt(p.amount), method_text(p), p.receipt_number or "pending")
        row = add(tree, item, p)
        row.setToolTip(2, f"{p.channel.replace('_', ' ')} via {p.source}, {p.desk}")
        if p.refunded:  # on a line of its own: the amount column stays one amount wide
            add(row, ("", f"−{fmt(p.refunded)}", "refunded", ""), p)
    tree.expandAll()


def fill_refunds(tree: QTreeWidget, d: InvoiceDetail, fmt: Fmt, zone: ZoneInfo) -> None:
    tree.clear()
    for f in d.refunds:
        # the status stays one word wide; why it failed goes with the free text
        why = f"{f.failure_reason} · {f.reason}" if f.failure_reason else f.reason
        when = f"{local(f.created_at, zone):%d %b %H:%M}"
        add(tree, (when, fmt(f.amount), f.status, why), f)


def fill_receipts(tree: QTreeWidget, d: InvoiceDetail, zone: ZoneInfo) -> None:
    tree.clear()
    for rc in d.receipts:
        add(tree, (rc.number, rc.kind, f"{local(rc.issued_at, zone):%d %b %H:%M}"), rc, ())


def tree(columns: tuple[str, ...], name: str) -> QTreeWidget:
    t = QTreeWidget()
    t.setColumnCount(len(columns))
    t.setHeaderLabels(list(columns))
    t.setRootIsDecorated(False)
    t.setAccessibleName(name)
    t.setUniformRowHeights(True)
    t.setAlternatingRowColors(True)
    t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    # Amounts, dates, receipt numbers and statuses keep their full width; the one
    # descriptive column gives way and elides (ui.column_fit.fit_tree, when filled).
    t.header().setMinimumSectionSize(40)
    return t


def add(
    parent: QTreeWidget | QTreeWidgetItem,
    texts: tuple[str, ...],
    data: object,
    money: tuple[int, ...] = (1,),
) -> QTreeWidgetItem:
    item = QTreeWidgetItem(list(texts))
    item.setData(0, Qt.ItemDataRole.UserRole, data)
    for col in money:
        item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if isinstance(parent, QTreeWidget):
        parent.addTopLevelItem(item)
    else:
        parent.addChild(item)
    return item


def fit_height(tree: QTreeWidget) -> None:
    top = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    rows = max(len(top) + sum(item.childCount() for item in top if item is not None), 1)
    row_h = tree.sizeHintForRow(0) if tree.topLevelItemCount() else 24
    tree.setFixedHeight(tree.header().sizeHint().height() + rows * max(row_h, 24) + 6)


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    lay = QHBoxLayout()
    lay.addStretch(1)
    for b in buttons:
        lay.addWidget(b)
    return lay
