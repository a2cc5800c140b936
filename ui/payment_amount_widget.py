"""Take payment, step one: the amount (the full balance, or a part checked as you type) and
the channel (checkout on this screen, or a QR code for the student's phone)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.ledger.views import InvoiceDetail
from kiosk.money import currency_exponent, format_money
from ui import icons

BROWSER, QR = 0, 1
QR_KINDS = (("Checkout page", "checkout"), ("Single-use payment link", "payment-link"))


class PaymentAmountWidget(QWidget):
    submitted = Signal(int, str, bool)  # amount minor, channel, show QR
    cancelled = Signal()

    def __init__(self, ctx, detail: InvoiceDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.detail = detail
        self.money_locale = str(ctx.settings.get("desk.locale"))
        self.amount_minor: int | None = None
        r = detail.row
        who = QLabel(r.student_name)
        who.setObjectName("heading")
        sub = QLabel(
            f"{r.number} · {r.student_number} · balance "
            f"{format_money(r.balance, r.currency, self.money_locale)}"
        )
        sub.setObjectName("muted")
        self.amount = QLineEdit(self.plain(r.balance))
        self.amount.setObjectName("amountInput")
        self.amount.setAccessibleName("Amount to pay")
        self.amount.setStyleSheet("font-size: 20pt; font-weight: 600;")
        self.amount.setMinimumWidth(260)
        self.full = QPushButton("Full balance")
        self.full.setAccessibleName("Use the full balance")
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self.browser = QRadioButton("Open checkout on this screen")
        self.browser.setIcon(icons.icon("browser"))
        self.qr = QRadioButton("Show QR for the student's phone")
        self.qr.setIcon(icons.icon("qr"))
        self.channels = QButtonGroup(self)
        self.channels.addButton(self.browser, BROWSER)
        self.channels.addButton(self.qr, QR)
        self.qr.setChecked(True)
        self.qr_kind = QComboBox()
        self.qr_kind.setAccessibleName("What the QR code opens")
        for label, _ in QR_KINDS:
            self.qr_kind.addItem(label)
        self.start = QPushButton(icons.icon("payment"), "Start payment")
        self.start.setProperty("primary", True)
        self.start.setDefault(True)
        self.start.setAccessibleName("Start payment")
        self.cancel = QPushButton("Cancel")
        self._layout(who, sub)
        self.amount.textChanged.connect(self.on_amount_text_changed)
        self.full.clicked.connect(self.on_full_clicked)
        self.start.clicked.connect(self.on_start_clicked)
        self.cancel.clicked.connect(self.cancelled)
        self.amount.returnPressed.connect(self.on_start_clicked)
        self.channels.idToggled.connect(lambda *_: self.qr_kind.setEnabled(self.qr.isChecked()))
        self.on_amount_text_changed(self.amount.text())

    def _layout(self, who: QLabel, sub: QLabel) -> None:
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.full)
        form = QFormLayout()
        form.setVerticalSpacing(12)
        form.addRow("Amount", amount_row)
        form.addRow("", self.error)
        channel = QVBoxLayout()
        channel.addWidget(self.browser)
        qr_row = QHBoxLayout()
        qr_row.addWidget(self.qr)
        qr_row.addWidget(self.qr_kind)
        qr_row.addStretch(1)
        channel.addLayout(qr_row)
        form.addRow("Channel", channel)
        owed = [c for c in self.detail.components if c.balance > 0]
        lines = "<br>".join(
            f"{c.name}: {format_money(c.balance, self.detail.row.currency, self.money_locale)}"
            for c in owed
        )
        if lines:
            what = QLabel(
                f"<span style='color:gray'>Outstanding, paid in this order:</span><br>{lines}"
            )
            what.setAccessibleName("Outstanding components")
            form.addRow("Covers", what)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.start)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 24, 28, 24)
        lay.setSpacing(10)
        lay.addWidget(who)
        lay.addWidget(sub)
        lay.addSpacing(10)
        lay.addLayout(form)
        lay.addStretch(1)
        lay.addLayout(buttons)

    def plain(self, minor: int) -> str:
        exp = currency_exponent(self.detail.row.currency)
        return f"{Decimal(minor).scaleb(-exp):.{exp}f}"

    @Slot(str)
    def on_amount_text_changed(self, text: str) -> None:
        from kiosk.payments.errors import PaymentError
        from ui.errors import sentence
        from ui.payment_flow import validate

        r = self.detail.row
        try:
            self.amount_minor = validate(self.ctx, r.balance, text, r.currency)
        except (ValueError, PaymentError) as exc:  # MoneyError, AmountError
            self.amount_minor = None
            self.error.setText(sentence(getattr(exc, "message", None) or str(exc)))
        else:
            part = "" if self.amount_minor == r.balance else " (part payment)"
            self.error.setText(
                f"{format_money(self.amount_minor, r.currency, self.money_locale)}{part}"
            )
        invalid = self.amount_minor is None
        self.error.setObjectName("errorText" if invalid else "muted")
        self.error.style().unpolish(self.error)
        self.error.style().polish(self.error)
        self.amount.setProperty("invalid", invalid)
        self.amount.style().unpolish(self.amount)
        self.amount.style().polish(self.amount)
        self.start.setEnabled(not invalid)

    @Slot()
    def on_full_clicked(self) -> None:
        self.amount.setText(self.plain(self.detail.row.balance))
        self.amount.setFocus()

    @Slot()
    def on_start_clicked(self) -> None:
        if self.amount_minor is None:
            return
        qr = self.qr.isChecked()
        channel = QR_KINDS[self.qr_kind.currentIndex()][1] if qr else "checkout"
        self.submitted.emit(self.amount_minor, channel, qr)

    def focus(self) -> None:
        self.amount.setFocus()
        self.amount.selectAll()
