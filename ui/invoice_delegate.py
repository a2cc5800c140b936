"""The invoice list's cells, painted straight from the model's texts.

Qt's own item delegate asks the model for seven roles of each cell, then lays each text
out twice (to place it, then to elide it) through the style sheet's rules: 4.4 ms of GUI
thread to repaint the list (about 150 cells), at every search, page and selection. This
one reads the row's texts (made on the worker, `InvoiceTableModel.texts`), and draws each
with one `drawText`, where Qt's delegate would put it: the padding and the icon's place
are measured from the style once per column (again when the font or style changes).
A selected cell is filled with the palette's highlight (the theme's selection colour),
as the style fills it, without asking the style sheet per cell (that was 1.3 ms for one
selected row).
Sizes, tooltips and accessibility still come from the model, as with Qt's delegate.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableView

from ui.invoice_model import _ALIGNMENTS, STATUS_COLUMN, InvoiceTableModel

Index = QModelIndex | QPersistentModelIndex
_SELECTED = QStyle.StateFlag.State_Selected
_ENABLED = QStyle.StateFlag.State_Enabled
_ACTIVE = QStyle.StateFlag.State_Active
Place = tuple[int, int, int, int, QRect | None]  # text insets (l, t, r, b), icon rect
# As the style draws it: a descender may reach into the padding (kiosk mode's large type).
_FLAGS = tuple(a | int(Qt.TextFlag.TextDontClip) for a in _ALIGNMENTS)


class InvoiceDelegate(QStyledItemDelegate):
    def __init__(self, view: QTableView, model: InvoiceTableModel) -> None:
        super().__init__(view)
        self.view, self.model = view, model
        self._places: dict[tuple[int, int], Place] = {}  # by (column, row height)
        self._fonts: tuple[QFont, QFontMetrics, QFont, QFontMetrics] | None = None

    def restyled(self) -> None:
        """The font or the style changed: padding, icon and fonts are measured again."""
        self._places.clear()
        self._fonts = None

    def _place(self, option: QStyleOptionViewItem, index: Index) -> Place:
        """Where Qt's delegate puts this column's text and icon, relative to the cell."""
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style, r = self.view.style(), opt.rect
        text = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, self.view)
        icon = None
        if opt.features & QStyleOptionViewItem.ViewItemFeature.HasDecoration:
            deco = QStyle.SubElement.SE_ItemViewItemDecoration
            icon = style.subElementRect(deco, opt, self.view).translated(-r.left(), -r.top())
        # The style draws the text a focus-frame margin inside its rectangle.
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view) + 1
        return (
            text.left() - r.left() + margin,
            text.top() - r.top(),
            r.right() - text.right() + margin,
            r.bottom() - text.bottom(),
            icon,
        )

    def _font_pair(self) -> tuple[QFont, QFontMetrics, QFont, QFontMetrics]:
        if self._fonts is None:
            plain = QFont(self.view.font())
            bold = QFont(plain)
            bold.setBold(True)
            self._fonts = (plain, QFontMetrics(plain), bold, QFontMetrics(bold))
        return self._fonts

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row, col = index.row(), index.column()
        texts = self.model.texts
        if not 0 <= row < len(texts):
            super().paint(painter, option, index)
            return
        r = option.rect
        key = (col, r.height())
        place = self._places.get(key)
        if place is None:
            place = self._places[key] = self._place(option, index)
        state = option.state
        selected = bool(state & _SELECTED)
        group = (
            QPalette.ColorGroup.Disabled
            if not state & _ENABLED
            else QPalette.ColorGroup.Active
            if state & _ACTIVE
            else QPalette.ColorGroup.Inactive
        )
        if selected:
            painter.fillRect(r, option.palette.brush(group, QPalette.ColorRole.Highlight))
        plain, plain_fm, bold, bold_fm = self._font_pair()
        left, top, right, bottom, icon = place
        if col == STATUS_COLUMN:
            font, fm = bold, bold_fm
            self._status_icon(painter, option, index, icon, selected)
        else:
            font, fm = plain, plain_fm
        if selected:
            colour = option.palette.color(group, QPalette.ColorRole.HighlightedText)
        elif col == STATUS_COLUMN:
            colour = self.model.data(index, Qt.ItemDataRole.ForegroundRole).color()
        else:
            colour = option.palette.color(group, QPalette.ColorRole.Text)
        box = r.adjusted(left, top, -right, -bottom)
        text = texts[row][col]
        if fm.horizontalAdvance(text) > box.width():
            text = fm.elidedText(text, Qt.TextElideMode.ElideRight, box.width())
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(box, _FLAGS[col], text)

    def _status_icon(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: Index,
        place: QRect | None,
        selected: bool,
    ) -> None:
        icon = self.model.data(index, Qt.ItemDataRole.DecorationRole)
        if place is None or not isinstance(icon, QIcon):
            return
        mode = QIcon.Mode.Selected if selected else QIcon.Mode.Normal
        if not option.state & _ENABLED:
            mode = QIcon.Mode.Disabled
        icon.paint(
            painter, place.translated(option.rect.topLeft()), Qt.AlignmentFlag.AlignCenter, mode
        )
