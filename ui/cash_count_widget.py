"""The drawer's count by denomination: a row per note (pieces × note = amount) and the
coins' total, summed as the cashier types."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QSpinBox, QWidget

from kiosk.ledger.cash_count import CashCount
from kiosk.money import MoneyError, currency_exponent, format_money, parse_money


class PiecesBox(QSpinBox):
    """Pieces of one note. Its text is selected whenever it takes focus, so typing 2 into
    a box showing 0 makes 2, never 20."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        QTimer.singleShot(0, self.selectAll)


class CashCountWidget(QWidget):
    changed = Signal()

    def __init__(
        self, currency: str, notes: tuple[int, ...], locale: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.currency, self.notes, self.money_locale = currency, notes, locale
        self.unit = 10 ** currency_exponent(currency)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        for col, head in enumerate(("Note", "Pieces", "Amount")):
            label = QLabel(head)
            label.setObjectName("muted")
            grid.addWidget(label, 0, col)
        self.pieces: dict[int, QSpinBox] = {}
        self.amounts: dict[int, QLabel] = {}
        for row, note in enumerate(notes, start=1):
            grid.addWidget(QLabel(self._money(note * self.unit)), row, 0)
            spin = PiecesBox()
            spin.setRange(0, 100_000)
            spin.setAccessibleName(f"Pieces of {self._money(note * self.unit)}")
            spin.valueChanged.connect(self.on_count_changed)
            amount = QLabel(self._money(0))
            amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(spin, row, 1)
            grid.addWidget(amount, row, 2)
            self.pieces[note], self.amounts[note] = spin, amount
        coins_row = len(notes) + 1
        grid.addWidget(QLabel("Coins (total)"), coins_row, 0)
        self.coins = QLineEdit()
        self.coins.setPlaceholderText("0")
        self.coins.setAccessibleName("Coins, total amount")
        self.coins.textChanged.connect(self.on_count_changed)
        grid.addWidget(self.coins, coins_row, 1, 1, 2)
        self.total_label = QLabel()
        self.total_label.setObjectName("heading")
        self.total_label.setAccessibleName("Counted total")
        grid.addWidget(QLabel("Counted"), coins_row + 1, 0)
        grid.addWidget(self.total_label, coins_row + 1, 1, 1, 2, Qt.AlignmentFlag.AlignRight)
        self.error = ""
        self.on_count_changed()

    def _money(self, minor: int) -> str:
        return format_money(minor, self.currency, self.money_locale)

    def coins_minor(self) -> int:
        """The coins' total; raises MoneyError for text that is not an amount."""
        text = self.coins.text().strip()
        return parse_money(text, self.currency, self.money_locale).minor if text else 0

    def count(self) -> CashCount:
        notes = {note: spin.value() for note, spin in self.pieces.items() if spin.value()}
        return CashCount(self.currency, notes, self.coins_minor())

    def set_count(self, pieces: dict[int, int], coins: str = "") -> None:
        """Fill the grid (tests and screenshots)."""
        for note, spin in self.pieces.items():
            spin.setValue(pieces.get(note, 0))
        self.coins.setText(coins)

    @Slot()
    def on_count_changed(self) -> None:
        for note, spin in self.pieces.items():
            self.amounts[note].setText(self._money(note * self.unit * spin.value()))
        try:
            total = self.count().total
            self.error = ""
            self.total_label.setText(self._money(total))
        except MoneyError as exc:
            self.error = f"Coins: {exc}"
            self.total_label.setText("—")
        self.changed.emit()
