"""The invoice table: a QAbstractTableModel over the ledger's search, fetched page by page.

Pages come from `kiosk.ledger.search.search_invoices` on the database worker; the view asks
for more as it scrolls (canFetchMore/fetchMore). A new search or sort bumps a generation
number so that pages of an older query that arrive late are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from kiosk.ledger.views import InvoiceRow
from kiosk.money import format_money
from ui import icons, theme
from ui.operations import QueryOp
from ui.statuses import invoice_look

log = logging.getLogger(__name__)

PAGE = 200
Index = QModelIndex | QPersistentModelIndex
Page = tuple[list[InvoiceRow], list[tuple[str, ...]]]  # rows and their row_texts


@dataclass(frozen=True)
class Column:
    title: str
    key: str  # the search's order_by key
    numeric: bool = False


COLUMNS = (
    Column("Invoice", "number"),
    Column("Student", "student"),
    Column("Student no.", "student_number"),
    Column("Due", "due_date"),
    Column("Total", "total", True),
    Column("Paid", "paid", True),
    Column("Balance", "balance", True),
    Column("Status", "status"),
)
STATUS_COLUMN = 7


@dataclass(frozen=True)
class Query:
    text: str = ""
    status: str | None = None
    order_by: str = "number"
    descending: bool = False


def fetch_page(ctx, query: Query, offset: int, limit: int) -> list[InvoiceRow]:
    """Runs on the database worker."""
    from ui import early

    rows = early.take_first_page(ctx, limit) if offset == 0 and query == Query() else None
    if rows is None:
        from kiosk.clock import desk_today
        from kiosk.ledger.search import search_invoices

        order = ("-" if query.descending else "") + query.order_by
        today = desk_today(ctx.settings)
        with ctx.ledger.begin() as s:
            rows = search_invoices(
                s,
                query.text,
                status=query.status,
                limit=limit,
                offset=offset,
                order_by=order,
                today=today,
            )
    return rows


def row_texts(inv: InvoiceRow, locale: str) -> tuple[str, ...]:
    """What each column shows for `inv`: made once per row, on the worker that fetched it,
    so that painting, measuring and reading the table are tuple look-ups on the GUI
    thread (a repaint asks about ten roles of each visible cell)."""
    money, currency = _formatted, inv.currency
    return (
        inv.number,
        inv.student_name,
        inv.student_number,
        inv.due_date.strftime("%d %b %Y"),
        money(inv.total, currency, locale),
        money(inv.paid, currency, locale),
        money(inv.balance, currency, locale),
        invoice_look(inv.status).label,
    )


def count_rows(ctx, query: Query) -> int:
    from ui import early

    n = early.take_first_count(ctx) if query == Query() else None
    if n is not None:
        return n
    from kiosk.clock import desk_today
    from kiosk.ledger.search import count_invoices

    with ctx.ledger.begin() as s:
        return count_invoices(s, query.text, status=query.status, today=desk_today(ctx.settings))


class InvoiceTableModel(QAbstractTableModel):
    page_loaded = Signal(int)  # rows now held
    counted = Signal(int)  # rows matching the query
    failed = Signal(str)

    def __init__(
        self,
        ctx,
        parent=None,
        locale: str | None = None,
        fetcher: Callable[..., list[InvoiceRow]] = fetch_page,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.locale = locale or str(ctx.settings.get("desk.locale"))
        self._fetch = fetcher
        self.query = Query()
        self.rows: list[InvoiceRow] = []
        self.texts: list[tuple[str, ...]] = []  # row_texts of each row, in step with rows
        self._generation = 0
        self._loading = False
        self._exhausted = False
        self.total_count: int | None = None
        self._bold = QFont()
        self._bold.setBold(True)

    # -- query ---------------------------------------------------------------------------
    def set_query(self, query: Query) -> None:
        self.query = query
        self.reload()

    def reload(self) -> None:
        self._generation += 1
        self.beginResetModel()
        self.rows, self.texts = [], []
        self._exhausted = False
        self._loading = False
        self.total_count = None
        self.endResetModel()
        self._load_page()
        self._count()

    def refresh_row(self, row: InvoiceRow) -> None:
        """Replace one invoice's row in place (after a payment), if it is shown."""
        self.refresh_rows([row])

    def refresh_rows(
        self, rows: list[InvoiceRow], texts: list[tuple[str, ...]] | None = None
    ) -> None:
        """`texts`: the rows' row_texts, when a worker made them."""
        where = {r.number: i for i, r in enumerate(self.rows)}
        if texts is None:
            texts = [row_texts(r, self.locale) for r in rows]
        changed = []
        for row, text in zip(rows, texts, strict=True):
            i = where.get(row.number)
            if i is not None:
                self.rows[i], self.texts[i] = row, text
                changed.append(i)
        if changed:  # one signal for the lot: each one re-measures the columns and repaints
            first, last = min(changed), max(changed)
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    @property
    def loading(self) -> bool:
        return self._loading

    # -- lazy fetching ----------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._load_page()

    def _load_page(self) -> None:
        self._loading = True
        gen, query, offset, ctx, fetch, locale = (
            self._generation,
            self.query,
            len(self.rows),
            self.ctx,
            self._fetch,
            self.locale,
        )

        def page(_t) -> Page:  # on the database worker
            rows = fetch(ctx, query, offset, PAGE)
            return rows, [row_texts(r, locale) for r in rows]

        QueryOp(self, page).success(lambda got: self._on_page(gen, got)).failure(
            lambda exc: self._on_failed(gen, exc)
        ).run()

    def _on_page(self, generation: int, page: Page) -> None:
        if generation != self._generation:
            return
        rows, texts = page
        self._loading = False
        self._exhausted = len(rows) < PAGE
        if rows:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self.rows.extend(rows)
            self.texts.extend(texts)
            self.endInsertRows()
        self.page_loaded.emit(len(self.rows))

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        from ui.errors import describe

        self._loading = False
        self._exhausted = True
        log.error("invoice page failed", exc_info=exc)
        self.failed.emit(describe(exc))

    def _count(self) -> None:
        gen, query, ctx = self._generation, self.query, self.ctx

        def on_count(n: int) -> None:
            if gen == self._generation:
                self.total_count = n
                self.counted.emit(n)

        QueryOp(self, lambda _t: count_rows(ctx, query)).success(on_count).failure(
            lambda exc: log.warning("count failed: %s", exc)
        ).run()

    # -- sorting ----------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        q = self.query
        if (q.order_by, q.descending) == (COLUMNS[column].key, descending):
            return
        self.set_query(Query(q.text, q.status, COLUMNS[column].key, descending))

    # -- table ------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        col = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _align(col.numeric)
        return None

    def row_at(self, row: int) -> InvoiceRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every role of every visible cell at each repaint (about ten calls a
        # cell): the roles a cell never has return first, and nothing is built twice.
        if role in _NO_DATA_ROLES:
            return None
        row = index.row()
        if not 0 <= row < len(self.rows):
            return None
        col = index.column()
        if role in _TEXT_ROLES:
            return self.texts[row][col]
        if role == _ALIGN_ROLE:
            return _ALIGNMENTS[col]
        inv = self.rows[row]
        if col == STATUS_COLUMN:
            look = invoice_look(inv.status)
            if role == Qt.ItemDataRole.DecorationRole:
                return icons.icon(look.icon)
            if role == Qt.ItemDataRole.ForegroundRole:
                return _brush(look.colour(theme.current()))
            if role == Qt.ItemDataRole.FontRole:
                return self._bold
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            return inv.student_email
        if role == Qt.ItemDataRole.UserRole:
            return inv
        return None

    def text_at(self, row: int, col: int) -> str:
        """What cell (row, col) shows (row loaded), without building a QModelIndex."""
        return self.texts[row][col]


@lru_cache(maxsize=65536)
def _formatted(minor: int, currency: str, locale: str) -> str:
    return format_money(minor, currency, locale)


@lru_cache(maxsize=64)
def _brush(colour: str) -> QBrush:
    return QBrush(QColor(colour))


_TEXT_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole})
_ALIGN_ROLE = Qt.ItemDataRole.TextAlignmentRole
_NO_DATA_ROLES = frozenset(
    {
        Qt.ItemDataRole.CheckStateRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.SizeHintRole,
        Qt.ItemDataRole.EditRole,
        Qt.ItemDataRole.StatusTipRole,
        Qt.ItemDataRole.WhatsThisRole,
    }
)


def _align(numeric: bool) -> int:
    h = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
    return int(h | Qt.AlignmentFlag.AlignVCenter)


_ALIGNMENTS = tuple(_align(c.numeric) for c in COLUMNS)
