"""Take payment, step two: the QR (or the checkout in the browser), the amount, the student,
a countdown to expiry, and the live status: waiting, declined, expired, cancelled."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.money import format_money
from kiosk.payments.methods import UPI_PENDING, describe
from ui import icons
from ui.qr_widget import QrWidget
from ui.statuses import payment_look

LIVE = {"created", "open", "declined"}


def paid_words(due: int, currency: str, locale: str) -> tuple[str, str]:
    """(heading, detail) for money received: a part payment is never called "Paid"."""
    if due <= 0:
        return "Paid", "The invoice is paid in full."
    left = format_money(due, currency, locale)
    return "Part payment received", f"{left} is still due on this invoice."


class PaymentWaitWidget(QWidget):
    cancel_requested = Signal()
    check_requested = Signal()
    again_requested = Signal()
    browser_requested = Signal()
    closed = Signal()
    state_changed = Signal(str)

    def __init__(self, locale: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.money_locale = locale
        self.expires_at: datetime | None = None
        self.state = "created"
        self.upi_pending = False  # the student is approving in their UPI app
        self.due_after: tuple[int, str] | None = None  # balance left once paid, currency
        self._build_left()
        self._build_info()
        self._build_buttons()
        self._layout()
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.on_tick_timeout)
        self.cancel.clicked.connect(self.cancel_requested)
        self.check.clicked.connect(self.check_requested)
        self.again.clicked.connect(self.again_requested)
        self.close_button.clicked.connect(self.closed)
        self.browser_again.clicked.connect(self.browser_requested)

    def _build_left(self) -> None:
        """The QR card, or the note that Checkout is open in this screen's browser."""
        self.qr = QrWidget()
        self.qr.setMinimumSize(340, 340)
        self.browser_note = QLabel(
            "Checkout is open in this screen's browser.\nThe student enters their card there."
        )
        self.browser_note.setWordWrap(True)
        self.browser_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.browser_again = QPushButton(icons.icon("browser"), "Open checkout again")
        # Shown when no browser could be started: the link, selectable, to copy by hand.
        self.link = QLineEdit()
        self.link.setReadOnly(True)
        self.link.setAccessibleName("Checkout link to copy")
        self.link.setMinimumWidth(280)
        self.link.hide()
        self.left = QStackedWidget()
        self.left.addWidget(self._qr_card())
        self.left.addWidget(self._browser_card())

    def _build_info(self) -> None:
        """Whom and what for, the amount, the countdown and the state."""
        self.student = QLabel()
        self.student.setObjectName("heading")
        self.student.setWordWrap(True)
        self.invoice = QLabel()
        self.invoice.setObjectName("muted")
        self.methods = QLabel()
        self.methods.setAccessibleName("Ways to pay")
        self.amount = QLabel()
        self.amount.setObjectName("bigAmount")
        self.amount.setAccessibleName("Amount")
        self.countdown = QLabel()
        self.countdown.setObjectName("countdown")
        self.countdown.setAccessibleName("Time left")
        self.state_icon = QLabel()
        self.state_label = QLabel()
        self.state_label.setObjectName("paymentState")
        self.state_label.setAccessibleName("Payment status")
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.reason.setAccessibleName("Status details")
        self.test_hint = QLabel(
            "Test mode: card 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined "
            "(any future expiry, any CVC). UPI: payment.success@stripeupi pays; "
            "payment.failure@stripeupi fails; payment.pending@stripeupi waits for approval."
        )
        self.test_hint.setObjectName("muted")
        self.test_hint.setWordWrap(True)
        self.test_hint.hide()

    def _build_buttons(self) -> None:
        self.check = QPushButton("Check now")
        self.cancel = QPushButton("Cancel payment")
        self.cancel.setProperty("danger", True)
        self.cancel.setAutoDefault(False)  # a stray Enter never cancels a live payment
        self.again = QPushButton(icons.icon("payment"), "Start again")
        self.again.setProperty("primary", True)
        self.close_button = QPushButton("Close")
        for b, name in (
            (self.check, "Check the payment now"),
            (self.cancel, "Cancel payment"),
            (self.again, "Start again"),
            (self.close_button, "Close"),
        ):
            b.setAccessibleName(name)

    def _qr_card(self) -> QWidget:
        card = QFrame()
        card.setObjectName("qrCard")
        lay = QVBoxLayout(card)
        lay.setContentsMargins(14, 14, 14, 10)
        lay.addWidget(self.qr, 1)
        self.qr_hint = QLabel(SCAN_HINT)
        self.qr_hint.setObjectName("muted")
        self.qr_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.qr_hint)
        return card

    def _browser_card(self) -> QWidget:
        card = QFrame()
        card.setObjectName("qrCard")
        lay = QVBoxLayout(card)
        lay.setContentsMargins(24, 24, 24, 24)
        lay.addStretch(1)
        big = QLabel()
        big.setPixmap(icons.icon("browser").pixmap(96, 96))
        big.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(big)
        lay.addWidget(self.browser_note)
        lay.addWidget(self.link, 0, Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.browser_again, 0, Qt.AlignmentFlag.AlignCenter)
        lay.addStretch(1)
        return card

    def _layout(self) -> None:
        state = QHBoxLayout()
        state.addWidget(self.state_icon)
        state.addWidget(self.state_label, 1)
        right = QVBoxLayout()
        right.setSpacing(8)
        right.addWidget(self.student)
        right.addWidget(self.invoice)
        right.addWidget(self.methods)
        right.addSpacing(8)
        right.addWidget(self.amount)
        right.addWidget(self.countdown)
        right.addSpacing(16)
        right.addLayout(state)
        right.addWidget(self.reason)
        right.addStretch(1)
        right.addWidget(self.test_hint)
        buttons = QHBoxLayout()
        buttons.addWidget(self.check)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.again)
        buttons.addWidget(self.close_button)
        right.addLayout(buttons)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 20)
        lay.setSpacing(24)
        lay.addWidget(self.left, 5)
        lay.addLayout(right, 4)

    # -- showing an attempt ---------------------------------------------------------------------
    def show_attempt(self, view, show_qr: bool, matrix=None, balance: int | None = None) -> None:
        """`balance`: the invoice's balance before this payment (to word a part payment)."""
        self.due_after = None if balance is None else (balance - view.amount, view.currency)
        self.student.setText(view.student_name)
        self.invoice.setText(
            f"{view.invoice_number} · "
            + ("Checkout page" if view.channel == "checkout" else "Single-use payment link")
        )
        self.amount.setText(format_money(view.amount, view.currency, self.money_locale))
        methods = getattr(view, "methods", ())
        self.methods.setText(f"The student can pay by {describe(methods)}" if methods else "")
        self.expires_at = view.expires_at
        if show_qr and view.url:
            self.qr.set_data(view.url, matrix)
            self.left.setCurrentIndex(0)
        else:
            self.qr.clear()
            self.left.setCurrentIndex(1)
        self.set_state(str(view.status), view.reason)
        self._tick.start()
        self.on_tick_timeout()

    def set_state(self, status: str, reason: str = "") -> None:
        self.state = status
        look = payment_look(status)
        live = status in LIVE
        text = {"open": "Waiting for payment…", "created": "Starting…"}.get(status, look.label)
        self.upi_pending = status == "open" and reason == UPI_PENDING
        if self.upi_pending:
            text = UPI_PENDING
        if status == "paid" and self.due_after is not None:
            due, currency = self.due_after
            text, reason = paid_words(due, currency, self.money_locale)
        self.state_label.setText(text)
        self.state_label.setProperty("state", status)
        self.state_label.style().unpolish(self.state_label)
        self.state_label.style().polish(self.state_label)
        self.state_icon.setPixmap(icons.icon(look.icon).pixmap(30, 30))
        self.reason.setText(_explain(status, reason))
        self.check.setVisible(live)
        self.cancel.setVisible(live)
        self.again.setVisible(status in {"expired", "cancelled", "failed"})
        self.close_button.setVisible(not live)
        if not live:
            self._tick.stop()
            self.countdown.setText("")
        self.qr.setEnabled(live)
        self.qr_hint.setText(
            SCAN_HINT
            if live
            else {
                "expired": "Expired: this code can't be paid. Start again for a new one.",
                "cancelled": "Cancelled: this code can't be paid.",
                "paid": "Paid.",
            }.get(status, "This code can't be paid any more.")
        )
        if status in {"expired", "cancelled"}:
            self.qr.clear()
            self.qr.set_placeholder(
                f"This QR code is no longer valid: the payment "
                f"{'expired' if status == 'expired' else 'was cancelled'}."
            )
        else:
            self.qr.set_placeholder("")
        if live:
            self.on_tick_timeout()
        self.state_changed.emit(status)

    def browser_failed(self, url: str) -> None:
        """No browser could be started on this desk: say so, and show the link to copy."""
        self.browser_note.setText(
            "No browser could be started on this desk.\nCopy the checkout link into one:"
        )
        self.link.setText(url)
        self.link.show()
        self.link.selectAll()
        self.link.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.cancel.setEnabled(not busy)
        self.check.setEnabled(not busy)

    @Slot()
    def on_tick_timeout(self) -> None:
        if self.expires_at is None:
            self.countdown.setText("")
            return
        left = int((self.expires_at - datetime.now(UTC)).total_seconds())
        if left <= 0:
            self.countdown.setText("Expiring…")
            return
        m, s = divmod(left, 60)
        h, m = divmod(m, 60)
        lead = "Approve within" if self.upi_pending else "Expires in"
        self.countdown.setText(f"{lead} {h}:{m:02d}:{s:02d}" if h else f"{lead} {m}:{s:02d}")


SCAN_HINT = "Scan with the phone's camera to pay"


def _explain(status: str, reason: str) -> str:
    if status == "declined" and reason.startswith("UPI"):
        why = reason.strip().rstrip(".")
        return f"{why}. The student can try again on the same page, by UPI or by card."
    if status == "open" and reason == UPI_PENDING:
        return (
            "The student approves the payment request with their UPI PIN (GPay, PhonePe, "
            "Paytm or their bank's app) before the time runs out."
        )
    if status == "declined":
        why = reason.replace("_", " ").strip().rstrip(".") if reason else "the bank said no"
        if not why.lower().startswith("card declined"):
            why = f"Card declined: {why}"
        return f"{why[:1].upper()}{why[1:]}. The student can try again with another card."
    if status == "expired":
        return "The payment page expired before anyone paid. Nothing was charged."
    if status == "cancelled":
        return "The payment was cancelled. Nothing was charged."
    if status == "failed":
        return reason or "The payment could not be taken."
    if status == "open":
        return "The status updates by itself as soon as the student pays."
    return reason
