"""Open counter: the float in the drawer, for the signed-in cashier."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from kiosk.money import MoneyError, parse_money
from ui.errors import sentence
from ui.form_dialog import error_label, lay_out, ok_cancel
from ui.operations import QueryOp


class CounterOpenDialog(QDialog):
    opened = Signal(str)  # the session number

    def __init__(self, parent: QWidget | None, ctx, user) -> None:
        super().__init__(parent)
        self.ctx, self.user = ctx, user
        self.currency = str(ctx.settings.get("desk.currency"))
        self.money_locale = str(ctx.settings.get("desk.locale"))
        self.setWindowTitle("Open counter")
        self.setAccessibleName("Open counter")
        self.setMinimumWidth(440)
        head = QLabel(
            f"Open the counter at <b>{ctx.desk}</b> for <b>{user.display_name}</b>. Count the "
            "float in the drawer and enter it: the close expects it back with the day's cash."
        )
        head.setWordWrap(True)
        self.float_edit = QLineEdit()
        self.float_edit.setAccessibleName("Opening float")
        self.float_edit.setPlaceholderText("e.g. 5,000")
        self.error = error_label()
        self.buttons, self.ok = ok_cancel("Open counter")
        form = QFormLayout()
        form.addRow(f"Float ({self.currency})", self.float_edit)
        lay_out(self, head, form, self.error, self.buttons)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    @Slot()
    def on_buttons_accepted(self) -> None:
        try:
            minor = parse_money(
                self.float_edit.text() or "0", self.currency, self.money_locale
            ).minor
        except MoneyError as exc:
            self._error(f"Float: {exc}")
            return
        from kiosk.receipts.counter_service import open_counter

        self.ok.setEnabled(False)
        ctx, user = self.ctx, self.user
        QueryOp(self, lambda _t: open_counter(ctx, minor, user)).success(self._on_opened).failure(
            lambda exc: self._error(getattr(exc, "message", str(exc)))
        ).done(lambda: self.ok.setEnabled(True)).run()

    def _on_opened(self, number: str) -> None:
        self.opened.emit(number)
        self.accept()

    def _error(self, text: str) -> None:
        self.error.setText(sentence(text))
        self.error.show()
