"""Take payment: amount and channel → QR or checkout with a live status → the receipt.

The dialog opens with `open()` (window-modal, never `exec()`), so the desk's event loop,
the poller and relay events keep running while the student pays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import cast

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QMessageBox, QStackedWidget, QVBoxLayout, QWidget

from kiosk.ledger.views import InvoiceDetail
from kiosk.money import format_money
from ui import payment_flow as flow
from ui.errors import ErrorPanel
from ui.operations import QueryOp
from ui.payment_amount_widget import PaymentAmountWidget
from ui.payment_wait_widget import LIVE, PaymentWaitWidget, paid_words
from ui.receipt_widget import ReceiptPreviewWidget

log = logging.getLogger(__name__)

AMOUNT, WAIT, RECEIPT = 0, 1, 2
Pages = tuple[PaymentAmountWidget, PaymentWaitWidget, ReceiptPreviewWidget]


def page_parts(ctx) -> Iterator[QWidget]:
    """The dialog's three pages, not yet bound to an invoice, made one at a time (so that
    ui.payment_spare can build them between turns of the event loop)."""
    yield PaymentAmountWidget(ctx)
    yield PaymentWaitWidget(str(ctx.settings.get("desk.locale")))
    yield ReceiptPreviewWidget(ctx)


def build_pages(ctx) -> Pages:
    """The dialog's three pages, not yet bound to an invoice."""
    return cast(Pages, tuple(page_parts(ctx)))


class Browser:
    """Opening the checkout in the default browser (tests monkeypatch `open`)."""

    @classmethod
    def open(cls, url: str) -> bool:
        return QDesktopServices.openUrl(QUrl(url))


class CancelQuestion:
    """Asked before Esc or closing the window cancels a live payment (tests monkeypatch)."""

    @classmethod
    def ask(cls, parent: QWidget | None) -> bool:
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Cancel this payment?",
            "The student may be paying right now. Cancelling stops the QR code and the "
            "checkout page; nothing is charged.",
            QMessageBox.StandardButton.NoButton,
            parent,
        )
        box.setAccessibleName("Cancel this payment?")
        yes = box.addButton("Cancel payment", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep waiting", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        box.exec()
        return box.clickedButton() is yes


class PaymentDialog(QDialog):
    started = Signal(object)  # AttemptView
    paid = Signal(object)  # StatusChange
    declined = Signal(str)  # reason
    expired = Signal()
    cancelled = Signal()
    receipt_shown = Signal(str)  # receipt number
    tender_taken = Signal(object)  # TenderView: a counter payment recorded

    detail: InvoiceDetail  # set by `bind`

    def __init__(
        self,
        parent: QWidget | None,
        ctx,
        detail: InvoiceDetail | None,
        user,
        events,
        pages: Pages | None = None,
    ) -> None:
        """Without `detail`, the dialog waits for `bind` (ui.payment_spare builds the next
        payment's dialog ahead); `pages`, when given, were built ahead (`build_pages`)."""
        super().__init__(parent)
        self.ctx, self.user = ctx, user
        self.attempt = None
        self.show_qr = True
        self.receipt_number: str | None = None
        self.setAccessibleName("Take payment")
        self.resize(980, 640)
        self.amount_page, self.wait_page, self.receipt_page = pages or build_pages(ctx)
        self.pages = QStackedWidget()
        for page in (self.amount_page, self.wait_page, self.receipt_page):
            self.pages.addWidget(page)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.pages)
        # Registered now that the button is inside the dialog: Qt would otherwise make the
        # first button in the focus chain ("Full balance") the dialog's default.
        self.amount_page.start.setDefault(True)
        self._connect(events)
        if detail is not None:
            self.bind(detail, user)

    def _connect(self, events) -> None:
        self.amount_page.submitted.connect(self.on_amount_page_submitted)
        self.amount_page.tender_submitted.connect(self.on_amount_page_tender_submitted)
        self.amount_page.cancelled.connect(self.reject)
        self.wait_page.cancel_requested.connect(self.on_wait_page_cancel_requested)
        self.wait_page.check_requested.connect(self.on_wait_page_check_requested)
        self.wait_page.again_requested.connect(self.on_wait_page_again_requested)
        self.wait_page.browser_requested.connect(self.on_wait_page_browser_requested)
        self.wait_page.closed.connect(self.reject)
        self.receipt_page.done.connect(self.accept)
        self.wait_page.state_changed.connect(self._hold_idle_lock)
        self.pages.currentChanged.connect(self._hold_idle_lock)
        events.changed.connect(self.on_events_changed)

    def bind(self, detail: InvoiceDetail, user) -> None:
        """For `detail`, taken by `user`: the amount page shows its balance, focused."""
        self.detail, self.user = detail, user
        self.setWindowTitle(f"Take payment · {detail.row.number}")
        self.amount_page.bind(detail)
        status = getattr(self.parent(), "status", None)
        mode = getattr(getattr(status, "mode", None), "text", lambda: "")()
        self.wait_page.test_hint.setVisible("LIVE" not in mode)
        self.amount_page.focus()

    @property
    def page(self) -> int:
        return self.pages.currentIndex()

    @property
    def payment_live(self) -> bool:
        """A payment page (QR or checkout) the student may still be using."""
        return self.attempt is not None and self.page == WAIT and self.wait_page.state in LIVE

    def _hold_idle_lock(self, *_args: object) -> None:
        """The desk's idle lock never hides a live payment; it locks once the payment ends."""
        idle = getattr(self.parent(), "idle", None)
        if idle is None:
            return
        if self.payment_live and not self.isHidden():
            idle.hold(self)
        else:
            idle.release(self)

    # -- starting -------------------------------------------------------------------------------
    @Slot(int, str, bool)
    def on_amount_page_submitted(self, amount: int, channel: str, show_qr: bool) -> None:
        self.show_qr = show_qr
        self.amount_page.set_busy(True)
        ctx, number, user = self.ctx, self.detail.row.number, self.user
        QueryOp(
            self, lambda _t: flow.start(ctx, number, amount, channel, user), kind="net"
        ).success(self._on_started).done(self._restore_start).run()

    @Slot(object)
    def on_amount_page_tender_submitted(self, tender) -> None:
        """Cash, a cheque, a draft or a transfer: recorded on the database worker, then
        its receipt as after a Stripe payment. A refusal stays on this page, in words."""
        from ui.counter_flow import take_counter_tender

        self.amount_page.set_busy(True)
        ctx, number, user = self.ctx, self.detail.row.number, self.user
        QueryOp(self, lambda _t: take_counter_tender(ctx, number, tender, user)).success(
            self._on_tender_taken
        ).failure(self._on_tender_refused).run()

    def _on_tender_refused(self, exc: BaseException) -> None:
        from ui.errors import describe

        self._restore_start()
        self.amount_page.show_error(describe(exc))

    def _on_tender_taken(self, done) -> None:
        view = done.view
        self.tender_taken.emit(view)
        change = getattr(view.tender, "change", 0)
        if change:
            self.receipt_page.change_due(
                format_money(change, view.currency, self.wait_page.money_locale)
            )
        if done.receipt is None:  # recorded; only the receipt's file failed
            ErrorPanel.show(
                self.parentWidget(),
                f"Payment recorded: receipt {view.receipt}. Its file could not be made "
                "now; reprint it from the invoice.",
            )
            self.accept()
            return
        self._show_receipt(done.receipt)

    def _restore_start(self) -> None:
        self.amount_page.set_busy(False)
        if self.page == AMOUNT:
            self.amount_page.focus()

    def _on_started(self, started) -> None:
        view, matrix = started
        self.attempt = view
        self.wait_page.show_attempt(view, self.show_qr, matrix, self.detail.row.balance)
        self.pages.setCurrentIndex(WAIT)
        self.wait_page.check.setFocus()
        if not self.show_qr and view.url:
            self._open_browser(view.url)
        wake = getattr(self.parent(), "wake_poller", None)
        if callable(wake):
            wake()
        self.started.emit(view)

    # -- live status ------------------------------------------------------------------------------
    @Slot(object)
    def on_events_changed(self, change) -> None:
        if self.attempt is None or self.page != WAIT:
            return
        if change.attempt_id != self.attempt.public_id:
            return
        self._show_status(str(change.status), change.reason, change)

    def _show_status(self, status: str, reason: str = "", change=None) -> None:
        if status == self.wait_page.state and status not in ("declined", "open"):
            return  # open again: the reason may have changed (waiting for UPI approval)
        if status == "paid":
            self.wait_page.set_state("paid")
            self.paid.emit(change)
            self._load_receipt(getattr(change, "payment_id", None))
            return
        self.wait_page.set_state(status, reason)
        if status == "declined":
            self.declined.emit(reason)
        elif status == "expired":
            self.expired.emit()
        elif status == "cancelled":
            self.cancelled.emit()

    @Slot()
    def on_wait_page_check_requested(self) -> None:
        if self.attempt is None:
            return
        ctx, pid = self.ctx, self.attempt.public_id
        self.wait_page.set_busy(True)
        QueryOp(self, lambda _t: flow.check(ctx, pid), kind="net").success(
            lambda view: self._show_status(str(view.status), view.reason)
        ).done(lambda: self.wait_page.set_busy(False)).run()

    @Slot()
    def on_wait_page_cancel_requested(self) -> None:
        if self.attempt is None:
            return
        ctx, pid, user = self.ctx, self.attempt.public_id, self.user
        self.wait_page.set_busy(True)
        QueryOp(self, lambda _t: flow.cancel(ctx, pid, user), kind="net").success(
            lambda view: self._show_status(str(view.status), view.reason)
        ).done(lambda: self.wait_page.set_busy(False)).run()

    @Slot()
    def on_wait_page_again_requested(self) -> None:
        self.attempt = None
        self.wait_page.set_state("created")
        self.pages.setCurrentIndex(AMOUNT)
        self.amount_page.focus()

    @Slot()
    def on_wait_page_browser_requested(self) -> None:
        if self.attempt is not None and self.attempt.url:
            self._open_browser(self.attempt.url)

    def _open_browser(self, url: str) -> None:
        if not Browser.open(url):
            self.wait_page.browser_failed(url)

    # -- receipt -------------------------------------------------------------------------------
    def _load_receipt(self, payment_id: int | None, tries: int = 0) -> None:
        ctx, number = self.ctx, self.detail.row.number

        def retry(exc: BaseException) -> None:
            if isinstance(exc, LookupError) and tries < 20:
                from PySide6.QtCore import QTimer

                QTimer.singleShot(250, lambda: self._load_receipt(payment_id, tries + 1))
            else:
                ErrorPanel.show(self, exc)

        QueryOp(self, lambda _t: flow.receipt_for_payment(ctx, number, payment_id)).success(
            self._show_receipt
        ).failure(retry).run()

    def _show_receipt(self, found: flow.LandedReceipt) -> None:
        number = found.number
        self.receipt_number = number
        words, _ = paid_words(found.balance_after, found.currency, self.wait_page.money_locale)
        heading = f"{words} · receipt {number}"
        if found.balance_after > 0:
            due = format_money(found.balance_after, found.currency, self.wait_page.money_locale)
            heading += f" · {due} still due"
        self.receipt_page.show_receipt(number, found.path, heading)
        self.pages.setCurrentIndex(RECEIPT)
        self.receipt_page.done_button.setFocus()
        self.receipt_shown.emit(number)
        if self.ctx.settings.get("receipts.auto_print"):
            self.receipt_page.print_automatically()

    def reject(self) -> None:
        """Esc or closing the window: a live payment is cancelled only once staff say so."""
        if self.payment_live:
            if not CancelQuestion.ask(self) or not self.payment_live:
                return  # keep waiting, or it was paid (or ended) while the question was up
            # No payment page is left open behind the desk's back. Money that still
            # arrives is recorded and flagged by the core, never dropped.
            assert self.attempt is not None
            ctx, pid, user = self.ctx, self.attempt.public_id, self.user
            QueryOp(None, lambda _t: flow.cancel(ctx, pid, user), kind="net").run()
        super().reject()

    def done(self, result: int) -> None:
        super().done(result)
        self._hold_idle_lock()
