"""The menus and the desk-wide actions behind them: import, fee slips, reconcile, export,
receipts (reprint, email), refunds, settings, the day's summary, theme and lock."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QAction, QDesktopServices

from ui.common import FilePicker, menu_action
from ui.errors import ErrorPanel
from ui.operations import QueryOp, Task

log = logging.getLogger(__name__)


def gateway_for(ctx):
    from ui.payment_flow import gateway

    return gateway(ctx)


class DeskActions(QObject):
    def __init__(self, win) -> None:
        super().__init__(win)
        self.win = win
        self.ctx = win.ctx
        self._needs_user: list[QAction] = []
        self._build_menus()
        self.set_signed_in(False)

    # -- menus -------------------------------------------------------------------------------
    def _act(
        self, menu, text: str, slot, icon: str | None = None, needs_user: bool = True
    ) -> QAction:
        a = menu_action(self.win, text, slot, icon=icon)
        menu.addAction(a)
        if needs_user:
            self._needs_user.append(a)
        return a

    def _build_menus(self) -> None:
        bar = self.win.menuBar()
        f = bar.addMenu("&File")
        self.import_action = self._act(f, "Import invoices from CSV…", self.import_csv)
        self.slips_action = self._act(f, "Write fee slips…", self.fee_slips)
        self.export_action = self._act(f, "Export today's receipts…", self.export_receipts)
        f.addSeparator()
        self._act(f, "Quit", self.win.close, needs_user=False)
        p = bar.addMenu("&Payments")
        self.pay_action = self._act(p, "Take payment\tCtrl+P", self.win.take_payment, "payment")
        self.void_action = self._act(p, "Void invoice…", self.void_invoice)
        self.reconcile_action = self._act(p, "Reconcile with Stripe…", self.reconcile)
        self.summary_action = self._act(p, "End-of-day summary…\tCtrl+D", self.summary, "summary")
        self.payouts_action = self._act(p, "Payouts…", self.payouts)
        d = bar.addMenu("&Desk")
        self.lock_action = self._act(d, "Lock\tCtrl+L", self.win.lock, "lock")
        self.settings_action = self._act(d, "Settings…\tCtrl+,", self.settings, "settings")
        self.theme_action = self._act(d, "Dark theme", self.toggle_theme, needs_user=False)
        self.theme_action.setCheckable(True)
        self.theme_action.setChecked(str(self.ctx.settings.get("ui.theme")) == "dark")
        d.addSeparator()
        self.sign_out_action = self._act(d, "Sign out", self.win.sign_out)

    def set_signed_in(self, yes: bool) -> None:
        for a in self._needs_user:
            a.setEnabled(yes)

    @property
    def user(self):
        return self.win.user

    # -- long jobs with a cancelable progress dialog --------------------------------------------
    def import_csv(self) -> None:
        path = FilePicker.open_csv(self.win)
        if path is None:
            return
        ctx, user = self.ctx, self.user.username if self.user else ""

        def run(task: Task):
            from kiosk.ledger.importer import import_csv

            return import_csv(
                ctx.ledger,
                path,
                progress=task.report,
                cancel=task.cancel_event,
                username=user,
                desk=ctx.desk,
            )

        QueryOp(self.win, run).with_progress(f"Importing {path.name}…", cancelable=True).success(
            lambda s: self._done(
                "Import finished",
                f"{s.rows} rows: {s.invoices_created} "
                f"invoices created, {s.invoices_updated} updated",
                reload=True,
            )
        ).failure(self._failed_unless_cancelled).run()

    def _failed_unless_cancelled(self, exc: BaseException) -> None:
        if type(exc).__name__ in {"ImportCancelled", "ExportCancelled", "Cancelled"}:
            self.win.statusBar().showMessage("Cancelled; nothing was changed.", 6000)
        else:
            ErrorPanel.show(self.win, exc)

    def fee_slips(self) -> None:
        out = FilePicker.folder(self.win, "Where to write the fee slips")
        if out is None:
            return
        ctx = self.ctx

        def run(task: Task):
            from kiosk.receipts.fee_slips import write_fee_slips

            def progress(done: int, total: int, number: str) -> None:
                task.report(done, total, f"Fee slip {done} of {total}: {number}")

            return write_fee_slips(
                ctx, gateway_for(ctx), out, progress=progress, cancel=task.cancel_event
            )

        def done(r) -> None:
            state = "stopped" if r.cancelled else "done"
            text = (
                f"{len(r.written)} written, {len(r.skipped)} already up to date, "
                f"{len(r.failed)} failed ({state})"
            )
            self._done("Fee slips", text, open_dir=out)

        QueryOp(self.win, run, kind="net").with_progress(
            "Writing fee slips…", cancelable=True
        ).success(done).run()

    def reconcile(self) -> None:
        ctx = self.ctx
        user = self.user

        def run(task: Task):
            from kiosk.payments.reconcile import reconcile
            from ui.staff import audit

            task.report(0, 0, "Asking Stripe what happened since the last reconcile…")
            report = reconcile(ctx, gateway_for(ctx))
            audit(ctx, "reconcile", user.username if user else "", fixed=len(report.fixed))
            return report

        QueryOp(self.win, run, kind="net").with_progress(
            "Reconciling with Stripe…", cancelable=True
        ).success(
            lambda r: self._done(
                "Reconcile",
                f"{r.events_seen} events and {r.sessions_seen} "
                f"sessions checked, {len(r.fixed)} fixed",
                reload=True,
            )
        ).run()

    def export_receipts(self) -> None:
        from kiosk.receipts.export import today

        day = today(self.ctx)
        out = FilePicker.save(
            self.win, "Export today's receipts", f"receipts-{day}.csv", "CSV files (*.csv)"
        )
        if out is None:
            return
        ctx = self.ctx

        def run(task: Task) -> str:
            from kiosk.receipts.export import export_day

            task.report(0, 0, "Collecting today's receipts…")
            r = export_day(ctx, out, progress=task.report, cancel=task.cancel_event)
            n = r.receipts
            return f"{n} receipt{'s' if n != 1 else ''} of {r.day} written to {r.path.name}"

        QueryOp(self.win, run).with_progress(
            "Exporting today's receipts…", cancelable=True
        ).success(lambda text: self._done("Receipts exported", text)).failure(
            self._failed_unless_cancelled
        ).run()

    def _done(self, title: str, report: str, reload: bool = False, open_dir: Path | None = None):
        self.win.statusBar().showMessage(f"{title}: {report}", 10_000)
        if reload:
            self.win.invoices.model.reload()
            self.win.detail.reload()
        if open_dir is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(open_dir)))

    # -- receipts ------------------------------------------------------------------------------
    def reprint(self, number: str) -> None:
        ctx, user = self.ctx, self.user.username if self.user else ""

        def run(_t) -> Path:
            from kiosk.receipts.service import reprint
            from ui.staff import audit

            path = reprint(ctx, number)
            audit(ctx, "receipt_reprint", user, target=number)
            return path

        QueryOp(self.win, run).success(lambda path: self._preview(number, path)).run()

    def preview(self, number: str, path: Path, heading: str = "") -> None:
        """A receipt or note on screen for printing (the original, or `heading`)."""
        self._preview(number, path, heading)

    def _preview(self, number: str, path: Path, heading: str = "") -> None:
        from ui.receipt_dialog import ReceiptDialog

        self.win.receipt_dialog = ReceiptDialog(self.win, self.ctx, number, path, heading)
        self.win.receipt_dialog.open()

    def email_receipt(self, number: str) -> None:
        ctx = self.ctx
        user = self.user

        def run(_t) -> int:
            from kiosk.receipts.mail import queue_receipt_email
            from ui.staff import audit

            queued = queue_receipt_email(ctx, number)
            audit(ctx, "receipt_email", user.username if user else "", target=number)
            return queued

        QueryOp(self.win, run).success(
            lambda _n: self.win.statusBar().showMessage(f"Receipt {number} queued for email.", 6000)
        ).run()

    # -- supervisor actions ----------------------------------------------------------------------
    def refund(self, detail, payment) -> None:
        from ui.refund_dialog import RefundDialog

        s = self.ctx.settings
        ask = RefundDialog.ask(
            self.win, detail, payment, str(s.get("desk.locale")), str(s.get("desk.timezone"))
        )
        if ask is None:
            return
        amount, reason = ask
        from kiosk.money import format_money

        left = payment.amount - payment.refunded
        what = format_money(
            amount if amount is not None else left,
            detail.row.currency,
            str(self.ctx.settings.get("desk.locale")),
        )
        sup = self.win.require_supervisor(
            f"Refund {what}", f"{detail.row.number} ({detail.row.student_name})"
        )
        if sup is None:
            return
        ctx = self.ctx
        # Stripe payments by PaymentIntent; cash, cheques and transfers by their receipt
        ref = payment.payment_intent or payment.receipt_number

        def run(_t):
            from kiosk.payments.refunds import request_refund

            gateway = gateway_for(ctx) if payment.payment_intent else None
            view = request_refund(ctx, gateway, ref, amount, reason, sup)
            return view, _refund_note(ctx, view)

        QueryOp(self.win, run, kind="net").with_progress("Asking Stripe for the refund…").success(
            self._on_refunded
        ).run()

    def _on_refunded(self, done) -> None:
        """The refund's outcome; its note, once issued, opens for printing like a receipt."""
        view, note = done
        status = getattr(view, "status", "requested")
        self.win.statusBar().showMessage(f"Refund {status}.", 8000)
        self.win.detail.reload()
        self.win.invoices.model.reload()
        if note is not None:
            number, path = note
            self._preview(number, path, f"Refund note {number}")

    def void_invoice(self) -> None:
        detail = self.win.detail.detail
        if detail is None or detail.row.status == "void":
            self.win.statusBar().showMessage("Select an invoice that is not void.", 4000)
            return
        from ui.void_dialog import VoidDialog

        reason = VoidDialog.ask(self.win, detail)
        if reason is None:
            return
        number = detail.row.number
        sup = self.win.require_supervisor("Void invoice", f"{number} ({detail.row.student_name})")
        if sup is None:
            return
        ctx = self.ctx

        def run(_t):
            from kiosk.payments.voiding import void_invoice
            from kiosk.secrets import get_secret

            gateway = gateway_for(ctx) if get_secret("stripe_secret_key") else None
            return void_invoice(ctx, gateway, number, reason, sup)

        QueryOp(self.win, run, kind="net").with_progress(f"Voiding {number}…").success(
            self._on_voided
        ).run()

    def _on_voided(self, row) -> None:
        self.win.statusBar().showMessage(f"{row.number} is void.", 8000)
        self.win.detail.reload()
        self.win.invoices.model.reload()

    def settings(self) -> None:
        sup = self.win.require_supervisor("Change settings")
        if sup is None:
            return
        from ui.settings_dialog import SettingsDialog

        saved = SettingsDialog.ask(self.win, self.ctx, sup)
        if saved:
            self.win.apply_settings(saved)

    def summary(self) -> None:
        from ui.summary_dialog import SummaryDialog

        self.win.summary_dialog = SummaryDialog(self.win, self.ctx)
        self.win.summary_dialog.open()

    def payouts(self) -> None:
        if self.win.require_supervisor("See Stripe payouts") is None:
            return
        from ui.payouts_dialog import PayoutsDialog

        self.win.payouts_dialog = PayoutsDialog(self.win, self.ctx)
        self.win.payouts_dialog.open()

    def toggle_theme(self) -> None:
        from PySide6.QtWidgets import QApplication

        from ui import theme

        name = "dark" if self.theme_action.isChecked() else "light"
        theme.apply(QApplication.instance(), name)  # type: ignore[arg-type]
        ctx = self.ctx
        QueryOp(self.win, lambda _t: ctx.settings.set("ui.theme", name)).run()
        self.win.invoices.model.layoutChanged.emit()
        self.win.spare.renew()  # the next payment's dialog, built ahead in the new theme


def _refund_note(ctx, view) -> tuple[str, Path] | None:
    """The refund note's original PDF (rendered now, on the worker), once one is issued:
    a confirmed refund's, not a DUPLICATE."""
    from kiosk.receipts.service import note_file

    number = getattr(view, "receipt_number", None)
    path = note_file(ctx, number)
    return (number, path) if number and path else None
