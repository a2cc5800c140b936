"""Take payment, step one: the amount (the full balance, or a part checked as you type) and
the channel: checkout on this screen, a QR code for the student's phone, or a counter
tender (cash, cheque, demand draft, bank transfer) with its own fields. The desk offers
what `payments.tenders` lists."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeyEvent
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
from kiosk.money import format_money, plain_amount
from ui import icons
from ui.errors import sentence
from ui.tender_fields_widget import TenderFieldsWidget

BROWSER, QR = 0, 1
QR_KINDS = (("Checkout page", "checkout"), ("Single-use payment link", "payment-link"))
COUNTER = (
    ("Cash", "cash"),
    ("Cheque", "cheque"),
    ("Demand draft", "dd"),
    ("Bank transfer", "bank_transfer"),
)


class PaymentAmountWidget(QWidget):
    detail: InvoiceDetail  # set by `bind`
    submitted = Signal(int, str, bool)  # amount minor, channel, show QR
    tender_submitted = Signal(object)  # a checked counter Tender (kiosk.payments.tender_types)
    cancelled = Signal()

    def __init__(
        self, ctx, detail: InvoiceDetail | None = None, parent: QWidget | None = None
    ) -> None:
        """Built without `detail`, the page waits for `bind` (ui.payment_spare builds the
        next payment's dialog ahead, before anyone picks the invoice)."""
        super().__init__(parent)
        self.ctx = ctx
        self.money_locale = str(ctx.settings.get("desk.locale"))
        self.amount_minor: int | None = None
        self.bound = False  # the checks read the invoice's balance: none before `bind`
        self.who = QLabel()
        self.who.setObjectName("heading")
        self.sub = QLabel()
        self.sub.setObjectName("muted")
        self.covers = QLabel()
        self.covers.setAccessibleName("Outstanding components")
        self.amount = QLineEdit()
        self.amount.setObjectName("amountInput")
        self.amount.setAccessibleName("Amount to pay")
        self.amount.setStyleSheet("font-size: 20pt; font-weight: 600;")
        self.amount.setMinimumWidth(260)
        self.full = QPushButton("Full balance")
        self.full.setAccessibleName("Use the full balance")
        self.full.setAutoDefault(False)  # Enter never swaps the amount shown for another
        self.error = QLabel()
        self.error.setObjectName("errorText")
        self.error.setWordWrap(True)
        self._build_channels(ctx)
        self.start = QPushButton(icons.icon("payment"), "Start payment")
        self.start.setProperty("primary", True)
        self.start.setDefault(True)
        self.start.setAccessibleName("Start payment")
        self.cancel = QPushButton("Cancel")
        self._layout()
        self.full.clicked.connect(self.on_full_clicked)
        self.start.clicked.connect(self.on_start_clicked)
        self.cancel.clicked.connect(self.cancelled)
        self.amount.textChanged.connect(self.on_amount_text_changed)
        self.channels.idToggled.connect(self.on_channels_id_toggled)
        self.fields.changed.connect(self.on_fields_changed)
        if detail is not None:
            self.bind(detail)

    def _build_channels(self, ctx) -> None:
        self.browser = QRadioButton("Open checkout on this screen")
        self.browser.setIcon(icons.icon("browser"))
        self.qr = QRadioButton("Show QR for the student's phone")
        self.qr.setIcon(icons.icon("qr"))
        self.channels = QButtonGroup(self)
        self.channels.addButton(self.browser, BROWSER)
        self.channels.addButton(self.qr, QR)
        self.qr_kind = QComboBox()
        self.qr_kind.setAccessibleName("What the QR code opens")
        self.counter: dict[str, QRadioButton] = {}
        self._offer(list(ctx.settings.get("payments.tenders")))
        self.fields = TenderFieldsWidget(ctx, str(ctx.settings.get("desk.currency")))
        self.fields.hide()

    def bind(self, detail: InvoiceDetail) -> None:
        """Show `detail`'s student, balance and components, the full balance to pay."""
        self.detail = detail
        r = detail.row
        self.who.setText(r.student_name)
        self.sub.setText(
            f"{r.number} · {r.student_number} · balance "
            f"{format_money(r.balance, r.currency, self.money_locale)}"
        )
        owed = [c for c in detail.components if c.balance > 0]
        lines = "<br>".join(f"{c.name}: {self._fmt(c.balance)}" for c in owed)
        self.covers.setText(
            f"<span style='color:gray'>Outstanding, paid in this order:</span><br>{lines}"
        )
        self._form.setRowVisible(self.covers, bool(lines))
        self.fields.start(r.currency)
        self.bound = True
        self.amount.setText(self.plain(r.balance))
        self.on_channels_id_toggled()

    def _layout(self) -> None:
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.full)
        form = self._form = QFormLayout()
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
        counter_row = QHBoxLayout()
        counter_row.setSpacing(18)
        for button in self.counter.values():
            counter_row.addWidget(button)
        counter_row.addStretch(1)
        channel.addLayout(counter_row)
        form.addRow("Channel", channel)
        form.addRow("", self.fields)
        form.addRow("Covers", self.covers)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.start)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(28, 24, 28, 24)
        lay.setSpacing(10)
        lay.addWidget(self.who)
        lay.addWidget(self.sub)
        lay.addSpacing(10)
        lay.addLayout(form)
        lay.addStretch(1)
        lay.addLayout(buttons)

    def _offer(self, tenders: list[str]) -> None:
        """Only the channels the desk is set up for (payments.tenders)."""
        for label, kind in QR_KINDS:
            if kind.replace("-", "_") in tenders:
                self.qr_kind.addItem(label, kind)
        has_qr, has_browser = self.qr_kind.count() > 0, "checkout" in tenders
        # Only ever hidden here: not laid out yet, these have no parent, and showing one
        # made it a window of its own for a moment (taking the focus from the desk).
        for widget, shown in (
            (self.qr, has_qr),
            (self.qr_kind, has_qr),
            (self.browser, has_browser),
        ):
            if not shown:
                widget.hide()
        for label, kind in COUNTER:
            if kind in tenders:
                button = QRadioButton(label)
                button.setAccessibleName(f"Pay by {label.lower()}")
                self.channels.addButton(button, 2 + len(self.counter))
                self.counter[kind] = button
        buttons = [self.qr] if has_qr else [self.browser] if has_browser else []
        (buttons + list(self.counter.values()))[0].setChecked(True)

    @property
    def counter_kind(self) -> str | None:
        """The counter tender chosen (cash, cheque, dd, bank_transfer), or None for Stripe."""
        return next((k for k, b in self.counter.items() if b.isChecked()), None)

    def plain(self, minor: int) -> str:
        return plain_amount(minor, self.detail.row.currency, self.money_locale)

    @Slot()
    def on_channels_id_toggled(self, *_args: object) -> None:
        kind = self.counter_kind
        self.qr_kind.setEnabled(self.qr.isChecked())
        self.fields.setVisible(kind is not None)
        if kind is not None:
            self.fields.set_kind(kind)
        self.on_amount_text_changed(self.amount.text())

    @Slot()
    def on_fields_changed(self) -> None:
        self.on_amount_text_changed(self.amount.text())

    def _check(self, text: str) -> int:
        """The amount typed, in minor units: Stripe's rules for Stripe, the counter's own
        (above zero; within the balance unless counter.allow_credit) for a tender."""
        from kiosk.money import MoneyError, parse_money
        from ui.payment_flow import validate

        r = self.detail.row
        if self.counter_kind is None:
            return validate(self.ctx, r.balance, text, r.currency)
        minor = parse_money(text, r.currency, self.money_locale).minor
        if minor <= 0:
            raise MoneyError("the amount must be more than zero")
        if minor > r.balance and not self.ctx.settings.get("counter.allow_credit"):
            raise MoneyError(
                f"{self._fmt(minor)} is more than the balance of {self._fmt(r.balance)}"
            )
        return minor

    def _fmt(self, minor: int) -> str:
        return format_money(minor, self.detail.row.currency, self.money_locale)

    @Slot(str)
    def on_amount_text_changed(self, text: str) -> None:
        from kiosk.payments.errors import PaymentError

        if not self.bound:
            return
        r = self.detail.row
        try:
            self.amount_minor = self._check(text)
        except (ValueError, PaymentError) as exc:  # MoneyError, AmountError
            self.amount_minor = None
            self.error.setText(sentence(getattr(exc, "message", None) or str(exc)))
        else:
            part = "" if self.amount_minor == r.balance else " (part payment)"
            self.error.setText(f"{self._fmt(self.amount_minor)}{part}")
        self.fields.set_amount(self.amount_minor)
        problem = self._tender_problem()
        if problem:
            self.error.setText(sentence(problem))
        self._mark_invalid(self.amount_minor is None or problem is not None)

    def _tender_problem(self) -> str | None:
        if self.counter_kind is None or self.amount_minor is None:
            return None
        return self.fields.problem(self.amount_minor)

    def _mark_invalid(self, invalid: bool) -> None:
        self.error.setObjectName("errorText" if invalid else "muted")
        self.error.style().unpolish(self.error)
        self.error.style().polish(self.error)
        self.amount.setProperty("invalid", self.amount_minor is None)
        self.amount.style().unpolish(self.amount)
        self.amount.style().polish(self.amount)
        self.start.setEnabled(not invalid)
        self.start.setText("Record payment" if self.counter_kind else "Start payment")

    def show_error(self, text: str) -> None:
        """A refusal from the ledger (no open counter, a UTR already recorded): nothing
        was recorded, and the page stays as it was to correct and try again."""
        self.error.setText(text)
        self._mark_invalid(True)
        self.start.setEnabled(True)

    @Slot()
    def on_full_clicked(self) -> None:
        self.amount.setText(self.plain(self.detail.row.balance))
        self.amount.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter, wherever the focus is on this page (the amount, a channel, the QR kind),
        starts the payment for the amount shown, or does nothing when that is not valid.
        A focused Cancel button takes its own Enter first."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.on_start_clicked()
            return
        super().keyPressEvent(event)

    def set_busy(self, busy: bool) -> None:
        """While a payment starts, nothing on the page can change or start another one."""
        for w in (self.amount, self.full, self.browser, self.qr, self.qr_kind):
            w.setEnabled(not busy)
        for b in self.counter.values():
            b.setEnabled(not busy)
        self.fields.set_busy(busy)
        if busy:
            self.start.setText("Recording…" if self.counter_kind else "Starting…")
            self.start.setEnabled(False)
        else:
            self.on_channels_id_toggled()

    @Slot()
    def on_start_clicked(self) -> None:
        if self.amount_minor is None or not self.start.isEnabled():
            return
        kind = self.counter_kind
        if kind is not None:
            self.tender_submitted.emit(self.fields.tender(self.amount_minor))
            return
        qr = self.qr.isChecked()
        channel = str(self.qr_kind.currentData()) if qr else "checkout"
        self.submitted.emit(self.amount_minor, channel, qr)

    def focus(self) -> None:
        self.amount.setFocus()
        self.amount.selectAll()
