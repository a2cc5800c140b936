"""The Counter menu and the status bar's counter figure: open and close the desk's session,
the cheques and drafts awaiting clearance, and the session's report."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Slot

from ui.common import menu_action
from ui.operations import QueryOp


class CounterActions(QObject):
    def __init__(self, win) -> None:
        super().__init__(win)
        self.win, self.ctx = win, win.ctx
        self.state: dict[str, Any] | None = None
        self.last_closed: str | None = None
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(300)
        self._refresh_timer.timeout.connect(self.refresh)
        menu = win.menuBar().addMenu("&Counter")
        self.open_action = menu_action(win, "Open counter…", self.open_counter)
        self.close_action = menu_action(win, "Close counter…", self.close_counter)
        self.clearance_action = menu_action(
            win, "Cheques and drafts awaiting clearance…", self.clearance
        )
        self.report_action = menu_action(win, "Session report…", self.report)
        for a in (self.open_action, self.close_action, self.clearance_action, self.report_action):
            menu.addAction(a)
        self.set_signed_in(False)

    def set_signed_in(self, yes: bool) -> None:
        self.open_action.setEnabled(yes and self.state is None)
        self.close_action.setEnabled(yes and self.state is not None)
        self.clearance_action.setEnabled(yes)
        self.report_action.setEnabled(yes and (self.state is not None or bool(self.last_closed)))
        if yes:
            self.refresh_soon()

    def refresh_soon(self, *_args: object) -> None:
        """After a payment, refund or close: the figures once the burst has settled."""
        self._refresh_timer.start()

    @Slot()
    def refresh(self) -> None:
        ctx = self.ctx
        QueryOp(self.win, lambda _t: _counter_state(ctx)).success(self._on_state).run()

    def _on_state(self, state: dict[str, Any] | None) -> None:
        self.state = state
        self.win.statusBar().set_counter(state, str(self.ctx.settings.get("desk.locale")))
        self.set_signed_in(self.win.user is not None)

    # -- the screens -----------------------------------------------------------------------
    @Slot()
    def open_counter(self) -> None:
        from ui.counter_open_dialog import CounterOpenDialog

        dlg = self.win.counter_open_dialog = CounterOpenDialog(self.win, self.ctx, self.win.user)
        dlg.opened.connect(self._on_opened)
        dlg.open()

    def _on_opened(self, number: str) -> None:
        self.win.statusBar().showMessage(f"Counter {number} open.", 6000)
        self.refresh()

    @Slot()
    def close_counter(self) -> None:
        from ui.counter_close_dialog import CounterCloseDialog

        ctx = self.ctx

        def show(state: dict[str, Any] | None) -> None:
            if state is None:
                self.win.statusBar().showMessage("No counter is open at this desk.", 6000)
                self._on_state(None)
                return
            dlg = CounterCloseDialog(self.win, ctx, self.win.user, state)
            self.win.counter_close_dialog = dlg
            dlg.closed.connect(self._on_closed)
            dlg.open()

        QueryOp(self.win, lambda _t: _counter_state(ctx)).success(show).run()

    def _on_closed(self, closed: dict[str, Any]) -> None:
        self.last_closed = str(closed["session"])
        self.refresh()

    @Slot()
    def clearance(self) -> None:
        from ui.clearance_dialog import ClearanceDialog

        dlg = ClearanceDialog(self.win, self.ctx, self.win.user, self.win)
        self.win.clearance_dialog = dlg
        dlg.settled.connect(self._on_settled)
        dlg.open()

    def _on_settled(self, _done: object) -> None:
        self.refresh_soon()
        self.win.detail.reload()
        self.win.invoices.model.reload()

    @Slot()
    def report(self) -> None:
        from ui.session_report_widget import SessionReportDialog

        number = (self.state or {}).get("session") or self.last_closed
        if not number:
            return
        ctx = self.ctx

        def show(path) -> None:
            dlg = SessionReportDialog(self.win, ctx, number, path)
            self.win.session_report_dialog = dlg
            dlg.open()

        QueryOp(self.win, lambda _t: _report_file(ctx, number)).success(show).run()


# On the worker: kiosk.receipts.counter_service loads SQLAlchemy, which the desk's fast
# start keeps off the GUI thread.
def _counter_state(ctx: Any) -> dict[str, Any] | None:
    from kiosk.receipts.counter_service import counter_state

    return counter_state(ctx)


def _report_file(ctx: Any, number: str) -> Any:
    from kiosk.receipts.counter_service import session_report_file

    return session_report_file(ctx, number)
