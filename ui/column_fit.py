"""Column widths that never cut off money or an identifier.

Amounts, invoice and receipt numbers, dates and statuses always get the width their text
needs (the widest one loaded, measured as the rows arrive, and never less than a sample);
a name column is the one that gives way and elides. When even that is not enough, the
invoice list drops the columns the detail pane repeats (student number, due date, paid,
total, in that order) and, as a last resort, scrolls sideways: it never squeezes a number.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTableView, QTreeWidget


def _metrics(view: QAbstractItemView, bold: bool) -> QFontMetrics:
    font = QFont(view.font())
    font.setBold(bold)
    return QFontMetrics(font)


class TableColumns:
    """Fits a lazily loaded table's columns to the room its viewport has."""

    def __init__(
        self,
        table: QTableView,
        samples: tuple[str, ...],
        free: int,
        drop_order: tuple[int, ...] = (),
        bold: frozenset[int] = frozenset(),
        text: Callable[[int, int], str] | None = None,
    ) -> None:
        """`text(row, col)`: the cell's display text, faster than the model's data()."""
        self.table, self.samples, self.free = table, samples, free
        model = table.model()
        self.text = text or (lambda r, c: str(model.data(model.index(r, c)) or ""))
        self.drop_order, self.bold = drop_order, bold
        self.widest = [0] * len(samples)  # widest text loaded so far, per column
        self._overheads: dict[int, int] = {}  # per column, measured on a loaded row
        model.modelReset.connect(self.forget)
        model.rowsInserted.connect(lambda _p, first, last: self.measure(first, last))
        model.dataChanged.connect(lambda a, b, *_r: self.measure(a.row(), b.row()))
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

    def forget(self) -> None:
        self.widest = [0] * len(self.samples)

    def restyled(self) -> None:
        """The font or style changed: padding and icons are measured again."""
        self._overheads.clear()
        self.fit()

    def measure(self, first: int, last: int) -> None:
        """Note the width of rows first..last (a page as it arrives). Only the longest
        strings of a column are measured: a few dozen font-metric calls per page."""
        text = self.text
        plain, bold = _metrics(self.table, False), _metrics(self.table, True)
        grew = False
        rows = range(max(first, 0), last + 1)
        for col in range(len(self.samples)):
            if col == self.free or not rows:
                continue
            fm = bold if col in self.bold else plain
            texts = {text(row, col) for row in rows}
            longest = max(map(len, texts))
            w = max(fm.horizontalAdvance(t) for t in texts if len(t) >= longest - 1)
            if w > self.widest[col]:
                self.widest[col], grew = w, True
        if grew:
            self.fit()

    def _overhead(self, col: int) -> int:
        """Padding, margins and icon around a cell's text, as the view's delegate counts.
        Measured once on a loaded row and kept (it is the same for every row): an empty
        result no longer measured it another way, which moved every column by a few pixels
        and back, and repainted the whole table twice, at each search."""
        known = self._overheads.get(col)
        if known is not None:
            return known
        model, t = self.table.model(), self.table
        fm = _metrics(t, col in self.bold)
        if model.rowCount():
            index = model.index(0, col)
            text = str(model.data(index) or "")
            width = max(t.sizeHintForIndex(index).width() - fm.horizontalAdvance(text), 0) + 2
            self._overheads[col] = width
            return width
        margin = t.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, t)
        icon = 22 if col in self.bold else 0
        return 2 * margin + 20 + icon

    def needs(self) -> list[int]:
        t = self.table
        head = _metrics(t, True)
        model = t.model()
        out = []
        for col, sample in enumerate(self.samples):
            fm = _metrics(t, col in self.bold)
            title = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
            text = max(fm.horizontalAdvance(sample), self.widest[col])
            out.append(max(text + self._overhead(col), head.horizontalAdvance(title) + 24))
        return out

    def fit(self) -> None:
        t = self.table
        t.ensurePolished()
        need = self.needs()
        room = t.viewport().width() or sum(need)
        name_min = t.fontMetrics().averageCharWidth() * 12
        dropped: set[int] = set()

        def fixed() -> int:
            return sum(w for c, w in enumerate(need) if c != self.free and c not in dropped)

        for col in self.drop_order:
            if fixed() + name_min <= room:
                break
            dropped.add(col)
        for col, width in enumerate(need):
            t.setColumnHidden(col, col in dropped)
            if col != self.free:
                t.setColumnWidth(col, width)
        t.setColumnWidth(self.free, max(room - fixed(), name_min))


def fit_tree(tree: QTreeWidget, free: int) -> int:
    """Every column of `tree` but `free` sized to its contents, `free` stretched (and
    elided); returns the width the tree needs to show every column whole."""
    header = tree.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(free, QHeaderView.ResizeMode.Stretch)
    tree.setTextElideMode(Qt.TextElideMode.ElideRight)
    need = 2 * tree.frameWidth() + tree.fontMetrics().averageCharWidth() * 10
    for col in range(tree.columnCount()):
        if col != free:
            title = tree.headerItem().text(col)
            need += max(
                tree.sizeHintForColumn(col), header.fontMetrics().horizontalAdvance(title) + 24
            )
    return need
