"""What runs behind the main window: the payment poller, the TEST/LIVE mode, the warm-up
of the payment screens, and refreshing the rows that payment events touch."""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal, Slot

import kiosk
from ui.operations import QueryOp
from ui.status_bar_widget import stripe_mode

log = logging.getLogger(__name__)
RECEIPTS_EVERY_MS = 30_000


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
        self._poller_generation = 0  # bumped by each restart: a late start is dropped
        self._poller_starting: int | None = None  # the generation a start is under way for
        self.closed = threading.Event()
        self._changed: set[str] = set()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(80)
        self._refresh_timer.timeout.connect(self.on_refresh_timer_timeout)
        self._receipts_timer = QTimer(self)
        self._receipts_timer.setInterval(RECEIPTS_EVERY_MS)
        self._receipts_timer.timeout.connect(self.catch_up_receipts)
        self._catch_up_timer = QTimer(self)  # one catch-up a second after a run of payments
        self._catch_up_timer.setSingleShot(True)
        self._catch_up_timer.setInterval(1000)
        self._catch_up_timer.timeout.connect(self.catch_up_receipts)
        self._catch_up: QProcess | None = None

    # -- poller -----------------------------------------------------------------------------
    def start_poller(self) -> None:
        """Poll Stripe for this desk's open attempts on a worker (one of three sources)."""
        generation = self._poller_generation
        if self.poller is not None or self._poller_starting == generation:
            return
        self._poller_starting = generation
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

        QueryOp(self.parent(), make, kind="net").success(
            lambda poller: self._on_poller_started(poller, generation)
        ).failure(lambda exc: log.warning("payment poller not started: %s", exc)).done(
            lambda: self._on_poller_start_done(generation)
        ).run()

    def _on_poller_started(self, poller, generation: int) -> None:
        if generation == self._poller_generation and self.poller is None:
            self.poller = poller
        elif poller is not None:  # Settings changed while it started: it has the old key
            QueryOp(None, lambda _t: poller.stop(timeout=2), kind="net").run()

    def _on_poller_start_done(self, generation: int) -> None:
        if self._poller_starting == generation:
            self._poller_starting = None

    def restart_poller(self) -> None:
        """After Settings changed Stripe: the old poller stops on a worker (it may be in
        the middle of a call), and a new one starts with the new key and gateway."""
        old, self.poller = self.poller, None
        self._poller_generation += 1
        if old is not None:
            QueryOp(None, lambda _t: old.stop(timeout=2), kind="net").run()
        self.start_poller()

    def stop_poller(self) -> None:
        self._poller_generation += 1
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
        each payment or refund event."""
        self._receipts_timer.start()
        self.catch_up_receipts()

    @Slot(object)
    def catch_up_soon(self, _change: object = None) -> None:
        """Receipts for what was paid or refunded: one catch-up a second after a run of
        them, not a timer each (a burst of 1,000 synced events made 1,000 timers)."""
        if not self._catch_up_timer.isActive():
            self._catch_up_timer.start()

    @Slot()
    def catch_up_receipts(self) -> None:
        """Ask (one cheap query on the database worker) whether anything is due, and if so
        run `receipts catch-up` in a child process: rendering PDFs in this interpreter would
        hold the GUI thread up while the cashier types; a child uses the other core."""
        if self._catch_up is not None or self.closed.is_set():
            return
        ctx = self.ctx

        def due(_t) -> bool:
            from kiosk.receipts.catch_up import work_due

            return work_due(ctx)

        QueryOp(self.parent(), due).success(self._start_catch_up).failure(
            lambda exc: log.warning("receipts catch-up check failed: %s", exc)
        ).run()

    def _start_catch_up(self, due: bool) -> None:
        if not due or self._catch_up is not None or self.closed.is_set():
            return
        proc = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("FEE_KIOSK_HOME", str(self.ctx.home))
        env.insert("FEE_KIOSK_DB", self.ctx.db_url)  # not argv: a URL may hold a password
        proc.setProcessEnvironment(env)
        proc.setProgram(sys.executable)
        proc.setArguments(["-m", "kiosk.cli.main", "receipts", "catch-up", "--json"])
        proc.setWorkingDirectory(str(Path(kiosk.__file__).resolve().parents[1]))
        proc.finished.connect(self.on_catch_up_finished)
        self._catch_up = proc
        proc.start()

    @Slot(int, QProcess.ExitStatus)
    def on_catch_up_finished(self, code: int, _status) -> None:
        proc, self._catch_up = self._catch_up, None
        if proc is None:
            return
        out = bytes(proc.readAllStandardOutput().data()).decode("utf-8", "replace")
        err = bytes(proc.readAllStandardError().data()).decode("utf-8", "replace").strip()
        proc.deleteLater()
        if code != 0:
            log.warning("receipts catch-up failed: %s", err.splitlines()[-1:] or code)
            return
        try:
            rendered = json.loads(out).get("rendered") or []
        except ValueError:
            rendered = []
        if rendered:
            log.info("receipts rendered in the background: %s", ", ".join(rendered))
            self.detail_touched.emit()

    def _stop_catch_up(self) -> None:
        """On close: the child's work is atomic and repeatable, so it may be cut short."""
        self._receipts_timer.stop()
        proc, self._catch_up = self._catch_up, None
        if proc is not None:
            proc.finished.disconnect(self.on_catch_up_finished)
            proc.kill()
            proc.waitForFinished(2000)

    # -- mode and warm-up ---------------------------------------------------------------------
    def refresh_mode(self) -> None:
        def read_mode(_t) -> str:
            from kiosk.secrets import get_secret

            return stripe_mode(get_secret("stripe_secret_key"))

        QueryOp(self.parent(), read_mode, kind="net").success(self.mode_changed.emit).run()

    def warm_up(self, then: Callable[[], object] | None = None) -> None:
        """Import the payment screens on a worker; `then` runs on the GUI thread after."""
        op = QueryOp(self, lambda _t: warm_up(), kind="net")
        if then is not None:
            op.success(lambda _r: then())
        op.run()

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
        ctx, locale = self.ctx, self.model.locale

        def reload(_t):  # on the database worker, the rows' texts made there too
            from ui.invoice_model import row_texts

            rows = load_rows(ctx, wanted)
            return rows, [row_texts(r, locale) for r in rows]

        if wanted:
            QueryOp(self.parent(), reload).success(self._on_rows_reloaded).failure(
                lambda exc: log.info("refresh failed: %s", exc)
            ).run()
        if self._detail_number() in numbers:
            self.detail_touched.emit()

    def _on_rows_reloaded(self, got) -> None:
        rows, texts = got
        self.model.refresh_rows(rows, texts)
        self.rows_refreshed.emit(len(rows))

    def close(self) -> None:
        self.closed.set()
        self.stop_poller()
        self._stop_catch_up()


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
    from kiosk.clock import desk_today
    from kiosk.ledger.invoices import summary_select, to_row
    from kiosk.ledger.models import Invoice

    with ctx.ledger.begin() as s:
        today = desk_today(ctx.settings)
        query = summary_select(today).where(Invoice.number.in_(numbers))
        return [to_row(r) for r in s.execute(query)]
