"""Supervisor approval: a supervisor enters their credentials on the spot."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.ledger.users import StaffUser

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from ui.form_dialog import error_label, lay_out, ok_cancel
from ui.operations import QueryOp
from ui.staff import approve


class SupervisorDialog(QDialog):
    approved = Signal(object)  # StaffUser

    def __init__(
        self, parent: QWidget | None, ctx, action: str, target: str = "", requested_by: str = ""
    ) -> None:
        super().__init__(parent)
        self.ctx, self.action, self.target, self.requested_by = ctx, action, target, requested_by
        self.supervisor: StaffUser | None = None
        self.setWindowTitle("Supervisor approval")
        self.setAccessibleName("Supervisor approval")
        self.setMinimumWidth(420)
        head = QLabel(
            f"A supervisor must approve: <b>{action}</b>"
            + (f" for {target}" if target else "")
            + "."
        )
        head.setWordWrap(True)
        self.username = QLineEdit()
        self.username.setAccessibleName("Supervisor username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Supervisor password")
        self.error = error_label()
        self.buttons, _ok = ok_cancel("Approve")
        form = QFormLayout()
        form.addRow("Supervisor", self.username)
        form.addRow("Password", self.password)
        lay_out(self, head, form, self.error, self.buttons)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    @classmethod
    def ask(
        cls, parent: QWidget | None, ctx, action: str, target: str = "", requested_by: str = ""
    ) -> StaffUser | None:
        dlg = cls(parent, ctx, action, target, requested_by)
        dlg.exec()
        return dlg.supervisor

    @Slot()
    def on_buttons_accepted(self) -> None:
        user, pw = self.username.text().strip(), self.password.text()
        if not user or not pw:
            self._error("Enter the supervisor's username and password.")
            return
        self.buttons.setEnabled(False)
        ctx, action, target, by = self.ctx, self.action, self.target, self.requested_by
        QueryOp(self, lambda _t: approve(ctx, user, pw, action, target, by)).success(
            self._on_approved
        ).failure(lambda exc: self._error(str(exc))).done(
            lambda: self.buttons.setEnabled(True)
        ).run()

    def _on_approved(self, sup: StaffUser) -> None:
        self.supervisor = sup
        self.approved.emit(sup)
        self.accept()

    def _error(self, text: str) -> None:
        from ui.errors import sentence

        self.error.setText(sentence(text))
        self.error.show()
        self.password.clear()
        self.password.setFocus()
