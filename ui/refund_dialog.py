"""Refund a payment: how much (all that remains, or part) and why."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from kiosk.clock import local
from kiosk.ledger.views import InvoiceDetail, PaymentView
from kiosk.money import MoneyError, format_money, parse_money, plain_amount
from ui.form_dialog import error_label, lay_out, ok_cancel


class RefundDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        detail: InvoiceDetail,
        payment: PaymentView,
        locale: str,
        tz: str,
    ) -> None:
        super().__init__(parent)
        self.detail, self.payment, self.money_locale = detail, payment, locale
        self.currency = detail.row.currency
        self.left = payment.amount - payment.refunded
        self.result_value: tuple[int | None, str] | None = None
        self.setWindowTitle(f"Refund · {detail.row.number}")
        self.setAccessibleName("Refund a payment")
        self.setMinimumWidth(460)
        head = QLabel(
            f"Payment of <b>{self._fmt(payment.amount)}</b> by {detail.row.student_name} "
            f"on {local(payment.received_at, tz):%d %b %Y}. Up to "
            f"<b>{self._fmt(self.left)}</b> can be refunded."
        )
        head.setWordWrap(True)
        self.amount = QLineEdit(plain_amount(self.left, self.currency, locale))
        self.amount.setAccessibleName("Refund amount")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. paid twice, course withdrawn")
        self.reason.setAccessibleName("Refund reason")
        self.error = error_label()
        self.error.show()  # says what is missing until the refund can go
        self.buttons, self.ok = ok_cancel("Refund…", "danger")
        form = QFormLayout()
        form.addRow("Amount", self.amount)
        form.addRow("Reason", self.reason)
        lay_out(self, head, form, self.error, self.buttons)
        self.amount.textChanged.connect(self.on_input_changed)
        self.reason.textChanged.connect(self.on_input_changed)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.on_input_changed()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        detail: InvoiceDetail,
        payment: PaymentView,
        locale: str,
        tz: str,
    ) -> tuple[int | None, str] | None:
        """(amount in minor units, or None for everything that remains; reason), or None.
        `tz` is the desk's zone (desk.timezone) for the payment's date."""
        dlg = cls(parent, detail, payment, locale, tz)
        dlg.exec()
        return dlg.result_value

    def _fmt(self, minor: int) -> str:
        return format_money(minor, self.currency, self.money_locale)

    def amount_minor(self) -> int:
        minor = parse_money(self.amount.text(), self.currency, self.money_locale).minor
        if minor <= 0:
            raise MoneyError("the refund must be more than zero")
        if minor > self.left:
            raise MoneyError(f"at most {self._fmt(self.left)} can be refunded")
        return minor

    @Slot()
    def on_input_changed(self) -> None:
        try:
            self.amount_minor()
        except MoneyError as exc:
            self.error.setText(str(exc)[:1].upper() + str(exc)[1:] + ".")
            self.ok.setEnabled(False)
            return
        if not self.reason.text().strip():
            self.error.setText("Give a reason for the refund.")
            self.ok.setEnabled(False)
            return
        self.error.setText("")
        self.ok.setEnabled(True)

    @Slot()
    def on_buttons_accepted(self) -> None:
        minor = self.amount_minor()
        self.result_value = (None if minor == self.left else minor, self.reason.text().strip())
        self.accept()
