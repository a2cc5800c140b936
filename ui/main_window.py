"""The desk's main window: sign-in/lock page in front, the invoice list and detail behind."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.ledger.users import StaffUser
    from ui.payment_dialog import PaymentDialog
    from ui.receipt_dialog import ReceiptDialog
    from ui.summary_dialog import SummaryDialog

import logging

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui import icons
from ui.desk_services import DeskServices
from ui.detail_widget import DetailWidget
from ui.events import PaymentEvents
from ui.idle import IdleWatcher
from ui.invoice_list_widget import InvoiceListWidget
from ui.operations import QueryOp
from ui.payment_spare import REBUILD_MS, PaymentSpare
from ui.signin_widget import SignInWidget
from ui.status_bar_widget import DeskStatusBar
from ui.sync_controller import SyncController

log = logging.getLogger(__name__)

# Saved settings (as settings_store.save_settings names them) that the poller and the sync read.
STRIPE_SETTINGS = ("stripe.", "secret:stripe_secret_key")
RELAY_SETTINGS = ("relay.", "secret:relay_token")


class MainWindow(QMainWindow):
    signed_in = Signal(object)  # StaffUser
    locked = Signal()
    list_ready = Signal()  # the first page of invoices is on screen
    rows_refreshed = Signal(int)  # rows re-read after payment events
    payment_opened = Signal(object)  # a new PaymentDialog (the student's display follows it)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user: StaffUser | None = None
        self.payment_dialog: PaymentDialog | None = None
        self.customer_display: object | None = None  # ui.customer_display, when attached
        self.receipt_dialog: ReceiptDialog | None = None
        self.summary_dialog: SummaryDialog | None = None
        self._dialog_hidden_by_lock = False
        self._ready_sent = False
        self._services_started = False
        self._list_started = False
        self.setWindowTitle(f"Fee Kiosk · {ctx.desk}")
        self.setWindowIcon(icons.icon("app"))
        self.setAccessibleName("Fee Kiosk main window")
        self.resize(1440, 860)
        self.setProperty("kiosk", bool(ctx.settings.get("ui.kiosk_mode")))
        self.signin = SignInWidget(ctx)
        self.invoices = InvoiceListWidget(ctx)
        self.detail = DetailWidget(ctx)
        self.banner = QLabel(
            "TEST MODE · payments go to Stripe's test environment; no real money moves"
        )
        self.banner.setObjectName("testStripe")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setStyleSheet("padding: 3px; font-weight: 700; color: #1f1300;")
        self.banner.hide()
        self.status = DeskStatusBar(ctx)
        self.setStatusBar(self.status)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.signin)
        self.stack.addWidget(self._work_area())
        self.setCentralWidget(self.stack)
        self.events = PaymentEvents(self)
        self.services = DeskServices(
            ctx,
            self.invoices.model,
            lambda: self.detail.detail.row.number if self.detail.detail else None,
            self,
        )
        self.sync = SyncController(ctx, self)
        self.idle = IdleWatcher(self)
        self.idle.set_minutes(float(ctx.settings.get("ui.idle_lock_minutes")))
        self.spare = PaymentSpare(self)  # the next payment's dialog, built ahead
        from ui.desk_actions import DeskActions

        self.actions_ = DeskActions(self)
        from ui.counter_actions import CounterActions

        self.counter = CounterActions(self)
        self.signed_in.connect(lambda _user: self.counter.set_signed_in(True))
        self._shortcuts()
        self._connect()

    def _work_area(self) -> QWidget:
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.invoices)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([965, 445])
        split.setChildrenCollapsible(False)
        work = QWidget()
        work.setObjectName("workArea")
        lay = QVBoxLayout(work)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.banner)
        inner = QHBoxLayout()
        inner.setContentsMargins(14, 12, 14, 12)
        inner.addWidget(split)
        lay.addLayout(inner, 1)
        return work

    def _shortcuts(self) -> None:
        def sc(keys, slot) -> QShortcut:
            s = QShortcut(QKeySequence(keys), self)
            s.setContext(Qt.ShortcutContext.WindowShortcut)
            s.activated.connect(slot)
            return s

        self.shortcut_find = sc(QKeySequence.StandardKey.Find, self.on_find_activated)
        self.shortcut_pay = sc("Ctrl+P", self.take_payment)
        self.shortcut_back = sc(Qt.Key.Key_Escape, self.on_back_activated)
        self.shortcut_refund = sc("Ctrl+R", self._signed_in(self.detail.on_refund_button_clicked))
        self.shortcut_reprint = sc(
            "Ctrl+Shift+P", self._signed_in(self.detail.on_reprint_button_clicked)
        )
        self.shortcut_summary = sc("Ctrl+D", self._signed_in(self.actions_.summary))
        self.shortcut_settings = sc("Ctrl+,", self._signed_in(self.actions_.settings))
        # Lock works from any window of the desk, a dialog included (they close first).
        self.shortcut_lock = sc("Ctrl+L", self.lock)
        self.shortcut_lock.setContext(Qt.ShortcutContext.ApplicationShortcut)

    def _signed_in(self, slot):
        """`slot`, only while someone is signed in and the desk is not locked."""

        def run() -> None:
            if self.user is not None and not self.is_locked:
                slot()

        return run

    def _connect(self) -> None:
        self.signin.signed_in.connect(self.on_signin_signed_in)
        self.invoices.selected.connect(self.detail.show_invoice)
        self.invoices.opened.connect(self.on_invoices_opened)
        self.invoices.model.page_loaded.connect(self.on_model_page_loaded)
        self.detail.take_payment_requested.connect(lambda _d: self.take_payment())
        self.detail.refund_requested.connect(self.on_detail_refund_requested)
        self.detail.reprint_requested.connect(self.actions_.reprint)
        self.detail.email_requested.connect(self.actions_.email_receipt)
        self.idle.idled.connect(self.on_idle_idled)
        self.events.changed.connect(self.services.on_events_changed)
        self.services.mode_changed.connect(self._on_mode)
        self.services.rows_refreshed.connect(self.rows_refreshed)
        self.services.detail_touched.connect(self.detail.reload)
        self.sync.state_changed.connect(self.status.on_sync_state_changed)

    # -- start and sign-in ------------------------------------------------------------------
    def start(self) -> None:
        """Show the invoice list at once (behind the sign-in page) and start listening."""
        self.events.start()
        if not self._list_started:
            self._list_started = True
            self.invoices.start()
        # Stripe, the keyring and the relay client are slow to import: they start once
        # the list is on screen, so they do not compete with it for the interpreter.
        if self._ready_sent:
            self._start_services()
        else:
            self.list_ready.connect(self._after_list_ready, Qt.ConnectionType.SingleShotConnection)

    @Slot()
    def _after_list_ready(self) -> None:
        # Let the first page paint and answer the first keys before the services load.
        QTimer.singleShot(250, self, self._start_services)

    @Slot()
    def _start_services(self) -> None:
        if self._services_started:
            return
        self._services_started = True
        self.services.warm_up(then=self.spare.prepare)
        self.refresh_mode()
        self._start_sync()
        self.services.start_poller()
        self.services.start_receipts()
        self.events.paid.connect(self.services.catch_up_soon)
        self.events.refunded.connect(self.services.catch_up_soon)
        self.events.changed.connect(self.counter.refresh_soon)

    def apply_settings(self, keys: Collection[str]) -> None:
        """After Settings saved `keys` (named as `settings_store.save_settings` returns them): the
        look at once, and a restart of what reads the changed settings: the Stripe poller
        and mode for Stripe, the relay sync for the relay or Stripe."""
        from PySide6.QtWidgets import QApplication

        from ui import theme
        from ui.payment_flow import forget_gateway

        s = self.ctx.settings
        theme.apply(QApplication.instance(), str(s.get("ui.theme")))  # type: ignore[arg-type]
        self.setProperty("kiosk", bool(s.get("ui.kiosk_mode")))
        self.style().unpolish(self)
        self.style().polish(self)
        if s.get("ui.kiosk_mode") and not self.isFullScreen():
            self.showFullScreen()
        elif not s.get("ui.kiosk_mode") and self.isFullScreen():
            self.showNormal()
        self.idle.set_minutes(float(s.get("ui.idle_lock_minutes")))
        self.spare.renew()  # built with the old locale, tenders or theme
        stripe = any(k.startswith(STRIPE_SETTINGS) for k in keys)
        relay = any(k.startswith(RELAY_SETTINGS) for k in keys)
        if stripe:
            forget_gateway(self.ctx)
            self.services.restart_poller()
            self.refresh_mode()
        if (stripe or relay) and self._services_started:
            self.sync.stop(timeout=0.5)
            self._start_sync()

    def _start_sync(self) -> None:
        if self.sync.start():
            self.status.sync.setText("Relay: connecting…")
        else:
            self.status.set_sync_unconfigured()

    @property
    def poller(self):
        return self.services.poller

    def wake_poller(self) -> None:
        self.services.wake_poller()

    def refresh_mode(self) -> None:
        self.services.refresh_mode()

    @Slot(str)
    def _on_mode(self, mode: str) -> None:
        self.status.set_mode(mode)
        self.banner.setVisible(mode != "LIVE")
        if mode == "NO KEY":
            self.banner.setText("NO STRIPE KEY · a supervisor can add one in Settings")

    def sign_in_as(self, user: StaffUser) -> None:
        self.user = user
        self.status.set_user(user)
        self.stack.setCurrentIndex(1)
        self.idle.arm()
        self.actions_.set_signed_in(True)
        self.invoices.table.setFocus()
        if self.invoices.model.rowCount() and not self.invoices.table.currentIndex().isValid():
            self.invoices.select_row(0)
        if self._dialog_hidden_by_lock and self.payment_dialog is not None:
            self._dialog_hidden_by_lock = False
            self.payment_dialog.open()
        self.signed_in.emit(user)

    @Slot(object)
    def on_signin_signed_in(self, user: StaffUser) -> None:
        self.sign_in_as(user)

    @Slot()
    def lock(self) -> None:
        if self.user is None or self.is_locked:
            return
        self._dialog_hidden_by_lock = False
        if self.payment_dialog is not None and self.payment_dialog.isVisible():
            self.payment_dialog.hide()  # a payment in progress goes on behind the lock
            self._dialog_hidden_by_lock = True
        self._close_other_dialogs()
        self.idle.disarm()
        self.stack.setCurrentIndex(0)
        self.signin.show_locked(self.user)
        self.actions_.set_signed_in(False)
        self.counter.set_signed_in(False)
        user = self.user
        ctx = self.ctx
        from ui.staff import audit

        QueryOp(self, lambda _t: audit(ctx, "lock", user.username)).run()
        self.locked.emit()

    def _close_other_dialogs(self) -> None:
        """Nothing stays on screen over the lock: every other open dialog is cancelled."""
        for w in QApplication.topLevelWidgets():
            if isinstance(w, QDialog) and w.isVisible() and w is not self.payment_dialog:
                w.reject()

    def sign_out(self) -> None:
        if self.user is not None:
            user, ctx = self.user, self.ctx
            from ui.staff import audit

            QueryOp(self, lambda _t: audit(ctx, "sign_out", user.username)).run()
        self.user = None
        self.idle.disarm()
        self.status.set_user(None)
        self.actions_.set_signed_in(False)
        self.counter.set_signed_in(False)
        self.stack.setCurrentIndex(0)
        self.signin.show_sign_in()

    @property
    def is_locked(self) -> bool:
        return self.stack.currentIndex() == 0

    @Slot()
    def on_idle_idled(self) -> None:
        self.lock()

    # -- list and keyboard --------------------------------------------------------------------
    @Slot(int)
    def on_model_page_loaded(self, _rows: int) -> None:
        if not self._ready_sent:
            self._ready_sent = True
            self.list_ready.emit()

    @Slot()
    def on_find_activated(self) -> None:
        if not self.is_locked:
            self.invoices.focus_search()

    @Slot()
    def on_back_activated(self) -> None:
        if self.is_locked:
            return
        if self.invoices.search.hasFocus() and self.invoices.search.text():
            self.invoices.search.clear()
        else:
            self.invoices.table.setFocus()

    @Slot(object)
    def on_invoices_opened(self, row) -> None:
        self.detail.load(row.number)
        self.detail.pay_button.setFocus()

    # -- payments -------------------------------------------------------------------------
    @Slot()
    def take_payment(self) -> None:
        if self.is_locked or self.user is None:
            return
        d = self.detail.detail
        if d is None or d.row.balance <= 0 or d.row.status == "void":
            self.statusBar().showMessage(
                "Select an invoice with a balance to take a payment.", 4000
            )
            return
        if self.payment_dialog is not None:
            self.payment_dialog.deleteLater()
        self.payment_dialog = self.spare.take()
        self.payment_dialog.bind(d, self.user)
        self.payment_dialog.finished.connect(self.on_payment_dialog_finished)
        self.payment_opened.emit(self.payment_dialog)
        self.payment_dialog.open()

    @Slot(int)
    def on_payment_dialog_finished(self, _code: int) -> None:
        self.spare.prepare(REBUILD_MS)
        self.detail.reload()
        self.invoices.table.setFocus()

    @Slot(object)
    def on_detail_refund_requested(self, pair) -> None:
        self.actions_.refund(*pair)

    def require_supervisor(self, action: str, target: str = "") -> StaffUser | None:
        """The signed-in supervisor, or one who approves on the spot; None if nobody did."""
        if self.user is None:
            return None
        if self.user.is_supervisor:
            return self.user
        from ui.supervisor_dialog import SupervisorDialog

        return SupervisorDialog.ask(self, self.ctx, action, target, self.user.username)

    def closeEvent(self, event) -> None:
        self.services.close()
        self.idle.disarm()
        self.events.stop()
        self.sync.stop(timeout=0.5)
        super().closeEvent(event)
