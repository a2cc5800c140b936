"""The invoice list: a debounced search box, status filter chips and the lazy table."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.ledger.views import InvoiceRow
from ui.column_fit import TableColumns
from ui.invoice_delegate import InvoiceDelegate
from ui.invoice_model import STATUS_COLUMN, InvoiceTableModel, Query
from ui.statuses import FILTERS

DEBOUNCE_MS = 200


class InvoiceListWidget(QWidget):
    selected = Signal(object)  # InvoiceRow | None
    opened = Signal(object)  # InvoiceRow (Enter or double-click)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = InvoiceTableModel(ctx, self)
        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText("Search invoice, student name, number or email  (Ctrl+F)")
        self.search.setAccessibleName("Search invoices")
        self.search.setClearButtonEnabled(True)
        self.count = QLabel("")
        self.count.setObjectName("muted")
        self.count.setAccessibleName("Matching invoices")
        self.filters = QButtonGroup(self)
        self.filters.setExclusive(True)
        self.table = QTableView()
        self.table.setObjectName("invoiceTable")
        self.table.setAccessibleName("Invoices")
        self.table.setModel(self.model)
        self.delegate = InvoiceDelegate(self.table, self.model)  # paints from the row texts
        self.table.setItemDelegate(self.delegate)
        self._setup_table()
        self._viewport = self.table.viewport()
        self._viewport.installEventFilter(self)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._layout()
        self.search.textChanged.connect(self.on_search_text_changed)
        self.search.returnPressed.connect(self.on_search_return_pressed)
        self._debounce.timeout.connect(self.on_debounce_timeout)
        self.filters.idClicked.connect(self.on_filters_clicked)
        self.table.activated.connect(self.on_table_activated)
        self.table.selectionModel().currentRowChanged.connect(self.on_table_current_changed)
        self.model.counted.connect(self.on_model_counted)
        self.model.page_loaded.connect(self.on_model_page_loaded)
        self.model.failed.connect(self.count.setText)

    def _setup_table(self) -> None:
        t = self.table
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.setAlternatingRowColors(True)
        t.setShowGrid(False)
        # The indicator first: enabling sorting sorts by it, and Qt's default (descending)
        # would ask the ledger for a page nobody sees.
        t.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        t.setSortingEnabled(True)
        t.setWordWrap(False)
        # Always there, so that the viewport keeps its width when a search empties the
        # list and fills it again: the columns are not fitted and the table not painted
        # twice more at each search, and nothing jumps sideways under the cashier's eyes.
        t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        t.verticalHeader().hide()
        t.verticalHeader().setDefaultSectionSize(34)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setTabKeyNavigation(False)
        header = t.horizontalHeader()
        header.setHighlightSections(False)
        header.setMinimumSectionSize(60)
        # The student's name gives way; student number, due date, paid and total (which
        # the detail pane repeats) are dropped before any amount would be squeezed.
        self.columns = TableColumns(
            t,
            self.SAMPLES,
            free=1,
            drop_order=(2, 3, 5, 4),
            bold=frozenset({STATUS_COLUMN}),
            text=self.model.text_at,
        )

    # The narrowest each column may be; widths follow the font (kiosk mode, high DPI) and
    # the widest text loaded (ui.column_fit): money and numbers are never cut off.
    SAMPLES = (
        "INV-DEMO-0000",
        "Student Name",
        "S0000000",
        "00 Mmm 0000",
        "₹1,00,000.00",
        "₹1,00,000.00",
        "₹1,00,000.00",
        "Part paid",
    )

    def fit_columns(self) -> None:
        self.columns.fit()
        fm = self.table.fontMetrics()
        self.table.verticalHeader().setDefaultSectionSize(max(fm.height() + 16, 32))

    def refit_columns(self) -> None:
        """After a font or style change: the cells' padding is measured again."""
        self.delegate.restyled()
        self.columns.restyled()
        self.fit_columns()

    def changeEvent(self, event) -> None:
        from PySide6.QtCore import QEvent

        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            QTimer.singleShot(0, self, self.refit_columns)
        super().changeEvent(event)

    def eventFilter(self, watched, event) -> bool:
        from PySide6.QtCore import QEvent

        if (
            event.type() == QEvent.Type.Resize
            and watched is self._viewport
            and shiboken6.isValid(self.table)
        ):
            self.fit_columns()
        return False

    def _layout(self) -> None:
        chips = QHBoxLayout()
        chips.setSpacing(6)
        for i, (label, _status) in enumerate(FILTERS):
            b = QToolButton()
            b.setText(label)
            b.setCheckable(True)
            b.setProperty("filter", True)
            b.setAccessibleName(f"Show {label.lower()} invoices")
            b.setChecked(i == 0)
            self.filters.addButton(b, i)
            chips.addWidget(b)
        chips.addStretch(1)
        # The count sits beside the search box (which gives way), so the chips alone set
        # how narrow the list can get: the desk fits 1024 px with the detail pane.
        search = QHBoxLayout()
        search.setSpacing(10)
        search.addWidget(self.search, 1)
        search.addWidget(self.count)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(8)
        lay.addLayout(search)
        lay.addLayout(chips)
        lay.addWidget(self.table, 1)

    # -- query -------------------------------------------------------------------------------
    def start(self) -> None:
        self.model.reload()

    def current_query(self) -> Query:
        status = FILTERS[max(self.filters.checkedId(), 0)][1]
        q = self.model.query
        return Query(self.search.text().strip(), status, q.order_by, q.descending)

    @Slot(str)
    def on_search_text_changed(self, _text: str) -> None:
        self._debounce.start()

    @Slot()
    def on_debounce_timeout(self) -> None:
        query = self.current_query()
        if query != self.model.query:
            self.count.setText("Searching…")
            self.model.set_query(query)

    @Slot()
    def on_search_return_pressed(self) -> None:
        if self._debounce.isActive():
            self._debounce.stop()
            self.on_debounce_timeout()
        self.table.setFocus()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.select_row(0)

    @Slot(int)
    def on_filters_clicked(self, _id: int) -> None:
        self._debounce.stop()
        self.on_debounce_timeout()

    @Slot(int)
    def on_model_counted(self, n: int) -> None:
        self.count.setText(f"{n:,} invoice" + ("" if n == 1 else "s"))

    @Slot(int)
    def on_model_page_loaded(self, rows: int) -> None:
        if rows and not self.table.currentIndex().isValid() and self.search.text().strip():
            self.select_row(0)
        elif not rows:
            self.selected.emit(None)

    # -- selection ---------------------------------------------------------------------------
    def select_row(self, row: int) -> None:
        idx = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            idx,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(idx)

    def current_invoice(self) -> InvoiceRow | None:
        idx = self.table.currentIndex()
        return self.model.row_at(idx.row()) if idx.isValid() else None

    def select_number(self, number: str) -> bool:
        for i, row in enumerate(self.model.rows):
            if row.number == number:
                self.select_row(i)
                return True
        return False

    @Slot()
    def on_table_current_changed(self, current, _previous) -> None:
        sel = self.table.selectionModel()
        if current.isValid() and not sel.isRowSelected(current.row(), current.parent()):
            # Qt makes the first row current without selecting it when the table takes
            # focus: the detail pane would show an invoice no row is marked for.
            sel.select(
                current,
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )
        self.selected.emit(self.model.row_at(current.row()) if current.isValid() else None)

    @Slot()
    def on_table_activated(self, index) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.opened.emit(row)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
