"""What runs behind the main window: the payment poller, the TEST/LIVE mode, the warm-up
of the payment screens, and refreshing the rows that payment events touch."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ui.operations import QueryOp
from ui.status_bar_widget import stripe_mode

log = logging.getLogger(__name__)
RECEIPTS_EVERY_MS = 30_000
RECEIPTS_A_ROUND = 5  # ~50 ms each: the worker stays free for the screen between rounds


class DeskServices(QObject):
    mode_changed = Signal(str)  # TEST, LIVE or NO KEY
    rows_refreshed = Signal(int)  # rows re-read after payment events
    detail_touched = Signal()  # the invoice in the detail pane changed

    def __init__(self, ctx, model, detail_number, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = model  # InvoiceTableModel
        self._detail_number = detail_number  # () -> str | None
        self.poller = None
        self.closed = threading.Event()
        self._changed: set[str] = set()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(80)
        self._refresh_timer.timeout.connect(self.on_refresh_timer_timeout)
        self._receipts_timer = QTimer(self)
        self._receipts_timer.setInterval(RECEIPTS_EVERY_MS)
        self._receipts_timer.timeout.connect(self.catch_up_receipts)
        self._catching_up = False

    # -- poller -----------------------------------------------------------------------------
    def start_poller(self) -> None:
        """Poll Stripe for this desk's open attempts on a worker (one of three sources)."""
        if self.poller is not None:
            return
        ctx, closed = self.ctx, self.closed

        def make(_t):
            from kiosk.payments.poller import Poller
            from kiosk.secrets import get_secret
            from ui.payment_flow import gateway

            if not get_secret("stripe_secret_key"):
                return None
            poller = Poller(ctx, gateway(ctx))
            poller.start()
            if closed.is_set():  # the window went away meanwhile
                poller.stop(timeout=2)
                return None
            return poller

        QueryOp(self.parent(), make, kind="net").success(self._on_poller_started).failure(
            lambda exc: log.warning("payment poller not started: %s", exc)
        ).run()

    def _on_poller_started(self, poller) -> None:
        self.poller = poller

    def stop_poller(self) -> None:
        if self.poller is not None:
            self.poller.stop(timeout=2)
            self.poller = None

    def wake_poller(self) -> None:
        if self.poller is not None:
            self.poller.wake()

    # -- receipts ---------------------------------------------------------------------------
    def start_receipts(self) -> None:
        """Render receipts for money that arrived without a cashier (relay, fee slips), queue
        the automatic emails and send the mail that is due: now, every 30 s, and soon after
        each payment or refund event. On the database worker, never the GUI thread."""
        self._receipts_timer.start()
        self.catch_up_receipts()

    @Slot()
    def catch_up_receipts(self) -> None:
        if self._catching_up or self.closed.is_set():
            return
        self._catching_up = True
        ctx = self.ctx

        def run(_t):
            from kiosk.receipts.service import catch_up

            return catch_up(ctx, RECEIPTS_A_ROUND)

        QueryOp(self.parent(), run).success(self._on_receipts_caught_up).failure(
            lambda exc: log.warning("receipts catch-up failed: %s", exc)
        ).done(self._on_catch_up_done).run()

    def _on_receipts_caught_up(self, result) -> None:
        rendered, _mail = result
        if rendered:
            log.info("receipts rendered in the background: %s", ", ".join(rendered))
            self.detail_touched.emit()
        if len(rendered) >= RECEIPTS_A_ROUND:  # a backlog: the next round soon
            QTimer.singleShot(200, self.catch_up_receipts)

    def _on_catch_up_done(self) -> None:
        self._catching_up = False

    # -- mode and warm-up ---------------------------------------------------------------------
    def refresh_mode(self) -> None:
        def read_mode(_t) -> str:
            from kiosk.secrets import get_secret

            return stripe_mode(get_secret("stripe_secret_key"))

        QueryOp(self.parent(), read_mode, kind="net").success(self.mode_changed.emit).run()

    def warm_up(self) -> None:
        QueryOp(None, lambda _t: warm_up(), kind="net").run()

    # -- payment events -----------------------------------------------------------------------
    @Slot(object)
    def on_events_changed(self, change) -> None:
        """A payment changed somewhere (this desk, the relay, a poll): refresh what shows it.

        Changes are gathered for a moment and the rows re-read in one query, so a burst
        of synced events costs one round trip, not one each.
        """
        self._changed.add(change.invoice_number)
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    @property
    def refreshing(self) -> bool:
        return bool(self._changed) or self._refresh_timer.isActive()

    @Slot()
    def on_refresh_timer_timeout(self) -> None:
        numbers, self._changed = self._changed, set()
        wanted = sorted(numbers & {r.number for r in self.model.rows})
        ctx = self.ctx
        if wanted:
            QueryOp(self.parent(), lambda _t: load_rows(ctx, wanted)).success(
                self._on_rows_reloaded
            ).failure(lambda exc: log.info("refresh failed: %s", exc)).run()
        if self._detail_number() in numbers:
            self.detail_touched.emit()

    def _on_rows_reloaded(self, rows) -> None:
        self.model.refresh_rows(rows)
        self.rows_refreshed.emit(len(rows))

    def close(self) -> None:
        self.closed.set()
        self.stop_poller()


def warm_up() -> None:
    """Import what the payment screens need on a worker, so that opening them the first
    time does not load QtPdf, segno or Stripe on the GUI thread."""
    import importlib

    for name in (
        "ui.payment_dialog",
        "ui.receipt_dialog",
        "ui.refund_dialog",
        "ui.supervisor_dialog",
        "ui.summary_dialog",
        "ui.settings_dialog",
        "segno",
        "kiosk.payments.attempts",
        "kiosk.payments.errors",
        "kiosk.ledger.invoices",
    ):
        try:
            importlib.import_module(name)
        except ImportError:
            log.info("warm-up could not import %s", name)


def load_rows(ctx, numbers: list[str]):
    """The current rows of these invoices (database worker)."""
    from kiosk.ledger.invoices import summary_select, to_row
    from kiosk.ledger.models import Invoice

    with ctx.ledger.begin() as s:
        return [to_row(r) for r in s.execute(summary_select().where(Invoice.number.in_(numbers)))]
