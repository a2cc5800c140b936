"""The fields a counter tender needs, under the payment dialog's amount: cash handed over
(the change due in large type, as you type), a cheque's or draft's number, bank and date,
a bank transfer's UTR and the day it arrived.

    fields.set_kind("cash"); fields.set_amount(15_000_00)
    fields.tender(15_000_00)   # Cash(...), checked; TenderError/MoneyError in plain words

The checks are the core's own (`Tender.checked`), run as you type: a post-dated cheque is
refused here with the same message the ledger would give.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal, Slot
from PySide6.QtWidgets import (
    QDateEdit,
    QFormLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.clock import desk_today
from kiosk.money import MoneyError, format_money, parse_money
from kiosk.payments.tender_types import BankTransfer, Cash, Instrument, Tender, TenderError
from ui.errors import without_cli_hints

CASH, INSTRUMENT, TRANSFER = 0, 1, 2
PAGES = {"cash": CASH, "cheque": INSTRUMENT, "dd": INSTRUMENT, "bank_transfer": TRANSFER}


def _date_edit(name: str, today: date) -> QDateEdit:
    edit = QDateEdit(QDate(today.year, today.month, today.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd MMM yyyy")
    edit.setAccessibleName(name)
    return edit


def _day(edit: QDateEdit) -> date:
    day = edit.date().toPython()
    assert isinstance(day, date)
    return day


class TenderFieldsWidget(QWidget):
    changed = Signal()  # any field edited

    def __init__(self, ctx, currency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.currency = ctx, currency
        self.money_locale = str(ctx.settings.get("desk.locale"))
        self.kind = "cash"
        self.amount: int | None = None
        today = desk_today(ctx.settings)
        self.tendered = QLineEdit()
        self.tendered.setAccessibleName("Cash handed over")
        self.tendered.setPlaceholderText("the exact amount")
        self.tendered.setStyleSheet("font-size: 16pt;")
        self.change = QLabel()
        self.change.setObjectName("changeDue")
        self.change.setAccessibleName("Change due")
        self.number = QLineEdit()
        self.number.setAccessibleName("Instrument number")
        self.number.setPlaceholderText("6 to 10 digits, as printed")
        self.bank = QLineEdit()
        self.bank.setAccessibleName("Bank it is drawn on")
        self.dated = _date_edit("Date on the instrument", today)
        self.utr = QLineEdit()
        self.utr.setAccessibleName("UTR")
        self.utr.setPlaceholderText("NEFT 16, RTGS 22, IMPS 12 letters and digits")
        self.paid_on = _date_edit("Day it reached the account", today)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._form(("Handed over", self.tendered), ("", self.change)))
        self.pages.addWidget(
            self._form(("Number", self.number), ("Bank", self.bank), ("Dated", self.dated))
        )
        self.pages.addWidget(self._form(("UTR", self.utr), ("Paid on", self.paid_on)))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.pages)
        for edit in (self.tendered, self.number, self.bank, self.utr):
            edit.textChanged.connect(self.on_field_changed)
        for day in (self.dated, self.paid_on):
            day.dateChanged.connect(self.on_field_changed)
        self._show_change()

    @staticmethod
    def _form(*rows: tuple[str, QWidget]) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        for label, widget in rows:
            form.addRow(label, widget)
        return page

    def start(self, currency: str) -> None:
        """Ready for a payment in `currency` today (the page may have been built ahead,
        before midnight or for another invoice's currency)."""
        self.currency = currency
        today = desk_today(self.ctx.settings)
        for edit in (self.dated, self.paid_on):
            edit.setDate(QDate(today.year, today.month, today.day))
        self._show_change()

    def set_kind(self, kind: str) -> None:
        self.kind = kind
        self.pages.setCurrentIndex(PAGES[kind])
        self.changed.emit()

    def set_amount(self, minor: int | None) -> None:
        self.amount = minor
        self._show_change()

    def focus(self) -> None:
        first = {CASH: self.tendered, INSTRUMENT: self.number, TRANSFER: self.utr}
        first[self.pages.currentIndex()].setFocus()

    @Slot()
    def on_field_changed(self, *_args: object) -> None:
        self._show_change()
        self.changed.emit()

    def _fmt(self, minor: int) -> str:
        return format_money(minor, self.currency, self.money_locale)

    def _tendered(self) -> int | None:
        text = self.tendered.text().strip()
        return parse_money(text, self.currency, self.money_locale).minor if text else None

    def _show_change(self) -> None:
        try:
            tendered = self._tendered()
        except MoneyError:
            tendered = None
        if tendered is None or self.amount is None:
            self.change.setText("No change: the exact amount")
        elif tendered < self.amount:
            self.change.setText(f"{self._fmt(self.amount - tendered)} more to pay")
        else:
            self.change.setText(f"Change due {self._fmt(tendered - self.amount)}")

    def tender(self, amount: int) -> Tender:
        """The tender for `amount`, checked as the core will check it."""
        stale = int(self.ctx.settings.get("counter.stale_cheque_days"))
        tender = self._build(amount)
        checked = tender.checked(desk_today(self.ctx.settings), stale)
        if isinstance(checked, Cash) and checked.change < 0:
            raise TenderError(
                f"{self._fmt(checked.handed_over)} handed over is less than the "
                f"{self._fmt(amount)} to pay"
            )
        return checked

    def _build(self, amount: int) -> Tender:
        if self.kind == "cash":
            try:
                return Cash(amount, self._tendered())
            except MoneyError as exc:
                raise TenderError(f"cash handed over: {exc}") from None
        if self.kind in ("cheque", "dd"):
            return Instrument(
                self.kind,
                amount,
                number=self.number.text().strip(),
                bank=self.bank.text().strip(),
                dated=_day(self.dated),
            )
        return BankTransfer(amount, reference=self.utr.text(), paid_on=_day(self.paid_on))

    def problem(self, amount: int) -> str | None:
        """What stops this tender, in the core's words; None when it can be recorded."""
        try:
            self.tender(amount)
        except (TenderError, MoneyError) as exc:
            return without_cli_hints(str(exc))
        return None

    def set_busy(self, busy: bool) -> None:
        self.pages.setEnabled(not busy)
