"""The display facing the student: a second top-level window for a second screen.

Idle, it shows the institution's logo and name. While the cashier's payment dialog runs a
payment it shows that one student's name, invoice, amount, the QR at the largest size that
fits, the countdown and the ways to pay; then "Paid, thank you" with the receipt number, or
why the card was declined. It never shows the invoice list or anyone else's data.

It runs no payment logic of its own: it listens to the dialog's signals (started,
receipt_shown, finished) and to the same status changes the dialog receives
(`PaymentEvents.changed`), filtered to the dialog's attempt.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from kiosk.money import format_money
from ui import icons
from ui.qr_widget import QrWidget

IDLE, PAYMENT, DONE = 0, 1, 2
THANKS_MS = 10_000  # "Paid, thank you" stays this long after the cashier closes the dialog


def methods_words(currency: str) -> str:
    """The ways the student can pay on the QR's page: UPI is a rupee method."""
    return "Card or UPI" if currency.upper() == "INR" else "Card"


def countdown_words(expires_at: datetime | None, now: datetime | None = None) -> str:
    if expires_at is None:
        return ""
    left = int((expires_at - (now or datetime.now(UTC))).total_seconds())
    if left <= 0:
        return "Expiring…"
    m, s = divmod(left, 60)
    h, m = divmod(m, 60)
    return f"Expires in {h}:{m:02d}:{s:02d}" if h else f"Expires in {m}:{s:02d}"


def decline_words(reason: str) -> str:
    """The bank's reason, said to the student (no cashier instructions)."""
    why = reason.replace("_", " ").strip().rstrip(".") if reason else "the bank said no"
    if not why.lower().startswith("card declined"):
        why = f"Card declined: {why}"
    return f"{why[:1].upper()}{why[1:]}. Please try again with another card."


def _label(name: str, wrap: bool = True) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


class CustomerDisplay(QWidget):
    shown = Signal(str)  # the page now showing: idle, open, declined, paid, expired, …

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.money_locale = str(ctx.settings.get("desk.locale"))
        self.attempt = None  # the AttemptView on show, if any
        self.state = "idle"
        self.setObjectName("customerDisplay")
        self.setWindowTitle("Fee Kiosk · student display")
        self.setAccessibleName("Student display")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._idle_page())
        self.pages.addWidget(self._payment_page())
        self.pages.addWidget(self._done_page())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 32, 40, 32)
        lay.addWidget(self.pages)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.on_tick_timeout)
        self._back_to_idle = QTimer(self)
        self._back_to_idle.setSingleShot(True)
        self._back_to_idle.timeout.connect(self.show_idle)
        self.show_idle()

    # -- pages ----------------------------------------------------------------------------------
    def _idle_page(self) -> QWidget:
        page = QWidget()
        self.logo = QLabel()
        self.logo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.logo.setAccessibleName("Institution logo")
        self.institution = _label("cdInstitution")
        self.welcome = _label("cdMuted")
        self.welcome.setText("Fees desk · the cashier will start your payment")
        lay = QVBoxLayout(page)
        lay.addStretch(1)
        for w in (self.logo, self.institution, self.welcome):
            lay.addWidget(w)
        lay.addStretch(1)
        return page

    def _payment_page(self) -> QWidget:
        page = QWidget()
        self.student = _label("cdStudent")
        self.invoice = _label("cdMuted")
        self.amount = _label("cdAmount", wrap=False)
        self.amount.setAccessibleName("Amount")
        self.methods = _label("cdMethods")
        self.countdown = _label("cdCountdown", wrap=False)
        self.countdown.setAccessibleName("Time left")
        self.status = _label("cdStatus")
        self.status.setAccessibleName("Payment status")
        info = QVBoxLayout()
        info.addStretch(1)
        for w in (self.student, self.invoice, self.amount, self.methods, self.countdown):
            info.addWidget(w)
        info.addSpacing(16)
        info.addWidget(self.status)
        info.addStretch(1)
        self.qr = QrWidget()
        self.qr.setMinimumSize(200, 200)
        lay = QHBoxLayout(page)
        lay.setSpacing(40)
        lay.addLayout(info, 2)
        lay.addWidget(self.qr, 3)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        self.done_icon = QLabel()
        self.done_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.done_title = _label("cdDoneTitle")
        self.done_amount = _label("cdMuted")
        self.receipt = _label("cdReceipt")
        self.receipt.setAccessibleName("Receipt number")
        lay = QVBoxLayout(page)
        lay.setSpacing(14)
        lay.addStretch(1)
        for w in (self.done_icon, self.done_title, self.done_amount, self.receipt):
            lay.addWidget(w)
        lay.addStretch(1)
        return page

    def _set(self, page: int, state: str) -> None:
        self.pages.setCurrentIndex(page)
        self.state = state
        self.status.setProperty("state", state)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.shown.emit(state)

    # -- what it shows ----------------------------------------------------------------------------
    @Slot()
    def show_idle(self) -> None:
        self._tick.stop()
        self._back_to_idle.stop()
        self.attempt = None
        self.qr.clear()
        for label in (self.student, self.invoice, self.amount, self.receipt, self.status):
            label.clear()
        self.institution.setText(str(self.ctx.settings.get("institution.name")))
        self.logo.setPixmap(self._logo_pixmap(160))
        self._set(IDLE, "idle")

    def _logo_pixmap(self, side: int) -> QPixmap:
        path = str(self.ctx.settings.get("institution.logo") or "")
        pix = QPixmap(path) if path and Path(path).is_file() else QPixmap()
        if pix.isNull():
            return icons.icon("app").pixmap(side, side)
        return pix.scaled(
            side * 2,
            side,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )

    def show_payment(self, view, matrix: list[list[bool]] | None) -> None:
        """A payment the cashier started: this student's name, invoice, amount and QR."""
        self._back_to_idle.stop()
        self.attempt = view
        self.student.setText(view.student_name)
        self.invoice.setText(f"Invoice {view.invoice_number}")
        self.amount.setText(format_money(view.amount, view.currency, self.money_locale))
        if matrix and view.url:
            self.qr.set_placeholder("")
            self.qr.set_data(view.url, matrix)
            self.methods.setText(f"Scan to pay · {methods_words(view.currency)}")
        else:
            self.qr.clear()
            self.qr.set_placeholder("Pay on the checkout page at the desk.")
            self.methods.setText(f"Pay at the desk · {methods_words(view.currency)}")
        self._tick.start()
        self.on_tick_timeout()
        self.show_status(str(view.status), view.reason)

    def show_status(self, status: str, reason: str = "") -> None:
        if self.attempt is None:
            return
        if status == "paid":
            self.show_paid(None)
            return
        words = {
            "created": "Getting the payment page ready…",
            "open": "Waiting for your payment…",
            "declined": decline_words(reason),
            "expired": "This payment page expired. Nothing was charged.",
            "cancelled": "This payment was cancelled. Nothing was charged.",
            "failed": "The payment could not be taken. Please ask the cashier.",
        }
        self.status.setText(words.get(status, ""))
        if status in {"expired", "cancelled", "failed"}:
            self._tick.stop()
            self.countdown.clear()
            self.qr.clear()
            self.qr.set_placeholder("This QR code is no longer valid.")
        self._set(PAYMENT, status)

    def show_paid(self, receipt_number: str | None) -> None:
        """ "Paid, thank you", then the receipt number once it is issued."""
        self._tick.stop()
        view = self.attempt
        self.done_icon.setPixmap(icons.icon("status-paid").pixmap(96, 96))
        self.done_title.setText("Paid, thank you")
        if view is not None:
            paid = format_money(view.amount, view.currency, self.money_locale)
            self.done_amount.setText(f"{paid} received for invoice {view.invoice_number}")
        self.receipt.setText(
            f"Receipt {receipt_number}" if receipt_number else "Your receipt is being issued…"
        )
        self._set(DONE, "paid")

    @Slot()
    def on_tick_timeout(self) -> None:
        self.countdown.setText(countdown_words(getattr(self.attempt, "expires_at", None)))

    # -- following the cashier's dialog ----------------------------------------------------------
    def follow(self, dialog) -> None:
        """Mirror `dialog` (a PaymentDialog) while it runs a payment."""
        wait = dialog.wait_page
        point_to_student_screen(wait)
        dialog.started.connect(lambda view: self.show_payment(view, wait.qr.matrix))
        dialog.receipt_shown.connect(self.show_paid)
        dialog.finished.connect(self.on_dialog_finished)

    @Slot(object)
    def on_events_changed(self, change) -> None:
        """The status changes the payment dialog receives, for the payment on show only."""
        if self.attempt is None or change.attempt_id != self.attempt.public_id:
            return
        if self.state == "paid":
            return  # the thank-you stays; the receipt number comes from the dialog
        self.show_status(str(change.status), change.reason)

    @Slot(int)
    def on_dialog_finished(self, _code: int) -> None:
        if self.state == "paid":
            self._back_to_idle.start(THANKS_MS)
        else:
            self.show_idle()


def point_to_student_screen(wait_page) -> None:
    """The cashier's QR shrinks to a small copy, captioned that the student sees it."""
    wait_page.qr.setMinimumSize(140, 140)
    wait_page.qr.setMaximumSize(220, 220)
    card = wait_page.qr.parentWidget()
    note = QLabel("Shown on the student's screen")
    note.setObjectName("shownOnStudentScreen")
    note.setAlignment(Qt.AlignmentFlag.AlignCenter)
    note.setAccessibleName("The QR code is shown on the student's screen")
    card.layout().insertWidget(1, note)  # under the QR, above "Scan with the phone…"
    card.layout().setAlignment(wait_page.qr, Qt.AlignmentFlag.AlignCenter)


def screen_index(setting: str, forced: bool, screens: int) -> int | None:
    """Which screen shows the display (None: no display). `forced` (demo's
    --customer-display) takes the second screen if there is one, else the only one."""
    if forced:
        return 1 if screens > 1 else 0
    text = setting.strip()
    if not text.isdigit():  # "off" (config set refuses anything else but off or a number)
        return None
    return min(int(text), screens - 1)


def attach(win, forced: bool = False) -> CustomerDisplay | None:
    """Open the student's display for the main window `win` when Settings (or the demo's
    --customer-display) ask for one; it follows every payment dialog the window opens."""
    from PySide6.QtGui import QGuiApplication

    screens = QGuiApplication.screens()
    index = screen_index(str(win.ctx.settings.get("ui.customer_display")), forced, len(screens))
    if index is None:
        return None
    display = CustomerDisplay(win.ctx, win)
    win.events.changed.connect(display.on_events_changed)
    win.payment_opened.connect(display.follow)
    screen = screens[index]
    display.setScreen(screen)
    if screen is win.screen():  # one screen: a window in its far corner, beside the desk's
        display.resize(1024, 640)
        room = screen.availableGeometry()
        display.move(room.right() - display.width(), room.top())
        display.show()
    else:
        display.setGeometry(screen.geometry())
        display.showFullScreen()
    return display
