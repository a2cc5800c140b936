"""Payouts (supervisor): Stripe's payouts to the bank, each traced to our receipts.

The list shows every synced payout with its status, net and whether every line matched;
the detail shows one payout's gross, fees (GST apart), refunds and net, its lines with the
receipt or refund note each matched, and its exceptions. Receipts that no paid payout has
covered after a week are listed below. Sync runs on a worker; the ledger is read on the
database worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.money import format_money
from kiosk.payouts.report import PayoutReport, Problem
from ui.operations import QueryOp

UNPAID_AFTER_DAYS = 7
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass
class Loaded:
    payouts: list[PayoutReport]
    unpaid: list[Problem]


def load(ctx) -> Loaded:
    from kiosk.payouts.report import reports, unpaid_receipts

    with ctx.ledger.read() as s:
        return Loaded(reports(s), unpaid_receipts(s, UNPAID_AFTER_DAYS))


def _table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setAccessibleName(name)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setResizeContentsPrecision(60)  # a payout can hold thousands of lines
    header.setStretchLastSection(True)
    return table


def _cell(text: str, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(RIGHT)
    return item


class PayoutsDialog(QDialog):
    loaded = Signal(object)  # Loaded
    synced = Signal(object)  # kiosk.payouts.sync.SyncResult

    def __init__(self, parent: QWidget | None, ctx) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.money_locale = str(ctx.settings.get("desk.locale"))
        self.data = Loaded([], [])
        self.setWindowTitle("Payouts")
        self.setAccessibleName("Stripe payouts")
        self.resize(1000, 720)
        self.heading = QLabel("Stripe payouts")
        self.heading.setObjectName("heading")
        self.sync_button = QPushButton("Sync with Stripe")
        self.close_button = QPushButton("Close")
        self.close_button.setProperty("primary", True)
        self.payouts = _table(["Arrives", "Status", "Net", "Check"], "Payouts")
        self.totals = QLabel()
        self.totals.setObjectName("muted")
        self.totals.setWordWrap(True)
        self.lines = _table(["Type", "Stripe", "Amount", "Fee", "Net", "Ours", ""], "Lines")
        self.problems = QListWidget()
        self.problems.setAccessibleName("Exceptions")
        self._layout()
        self.payouts.itemSelectionChanged.connect(self.on_payouts_selection_changed)
        self.sync_button.clicked.connect(self.on_sync_button_clicked)
        self.close_button.clicked.connect(self.accept)
        self.reload()

    def _layout(self) -> None:
        detail = QWidget()
        right = QVBoxLayout(detail)
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self.totals)
        right.addWidget(self.lines, 1)
        split = QSplitter(Qt.Orientation.Vertical)  # full width for ids and amounts
        split.addWidget(self.payouts)
        split.addWidget(detail)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.sync_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(22, 18, 22, 18)
        lay.addLayout(top)
        lay.addWidget(split, 3)
        lay.addWidget(QLabel("Exceptions"))
        lay.addWidget(self.problems, 1)
        lay.addLayout(buttons)

    def money(self, minor: int, currency: str) -> str:
        return format_money(minor, currency, self.money_locale)

    def reload(self) -> None:
        ctx = self.ctx
        QueryOp(self, lambda _t: load(ctx)).success(self._show).run()

    def _show(self, data: Loaded) -> None:
        self.data = data
        self.payouts.setRowCount(len(data.payouts))
        for row, p in enumerate(data.payouts):
            check = "Matched" if p.matched else f"{len(p.exceptions)} exception(s)"
            cells = [_cell(p.arrival_date), _cell(p.status.capitalize())]
            cells += [_cell(self.money(p.net, p.currency), True), _cell(check)]
            for col, item in enumerate(cells):
                self.payouts.setItem(row, col, item)
        if data.payouts:
            self.payouts.selectRow(0)
        else:
            self.totals.setText("No payouts yet: press Sync with Stripe.")
            self.lines.setRowCount(0)
        self._problems()
        self.loaded.emit(data)

    def _problems(self) -> None:
        self.problems.clear()
        selected = self.selected()
        found = (selected.exceptions if selected else []) + self.data.unpaid
        self.problems.addItems([p.message for p in found] or ["None"])

    def selected(self) -> PayoutReport | None:
        rows = self.payouts.selectionModel().selectedRows()
        return self.data.payouts[rows[0].row()] if rows else None

    @Slot()
    def on_payouts_selection_changed(self) -> None:
        p = self.selected()
        if p is None:
            return
        m = self.money
        self.totals.setText(
            f"{p.id} · {p.status} · arrives {p.arrival_date}\n"
            f"Gross {m(p.gross, p.currency)} − fees {m(p.fees, p.currency)} "
            f"(GST {m(p.gst, p.currency)}) − refunds {m(-p.refunds, p.currency)}"
            + (f" + returned {m(p.other, p.currency)}" if p.other else "")
            + f" = net {m(p.net, p.currency)}"
        )
        self.lines.setRowCount(len(p.lines))
        for row, ln in enumerate(p.lines):
            cells = [_cell(ln.type), _cell(ln.source)]
            cells += [_cell(m(v, p.currency), True) for v in (ln.amount, ln.fee, ln.net)]
            cells += [_cell(ln.receipt or ln.refund_note or ""), _cell("✓" if ln.matched else "!")]
            for col, item in enumerate(cells):
                self.lines.setItem(row, col, item)
        self._problems()

    @Slot()
    def on_sync_button_clicked(self) -> None:
        from kiosk.payouts.sync import sync_payouts
        from ui.payment_flow import gateway

        ctx = self.ctx
        self.sync_button.setEnabled(False)

        def done(result) -> None:
            self.sync_button.setEnabled(True)
            self.synced.emit(result)
            self.reload()

        def failed(exc: BaseException) -> None:
            from ui.errors import ErrorPanel

            self.sync_button.setEnabled(True)
            ErrorPanel.show(self, exc, "Payouts")

        QueryOp(self, lambda _t: sync_payouts(ctx, gateway(ctx)), kind="net").with_progress(
            "Fetching payouts from Stripe…"
        ).success(done).failure(failed).run()
