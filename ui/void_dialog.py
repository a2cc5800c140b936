"""Void an invoice: why. (A supervisor approves it next; the core refuses it over money.)"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from kiosk.ledger.views import InvoiceDetail


class VoidDialog(QDialog):
    def __init__(self, parent: QWidget | None, detail: InvoiceDetail) -> None:
        super().__init__(parent)
        self.result_value: str | None = None
        row = detail.row
        self.setWindowTitle(f"Void · {row.number}")
        self.setAccessibleName("Void an invoice")
        self.setMinimumWidth(460)
        head = QLabel(
            f"Void invoice <b>{row.number}</b> for {row.student_name}? A void invoice cannot "
            "be paid, and its fee-slip links stop working. It stays in the ledger and the "
            "audit log."
        )
        head.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. issued twice, student withdrew")
        self.reason.setAccessibleName("Reason for voiding")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Void invoice…")
        self.ok.setProperty("danger", True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 20)
        lay.setSpacing(12)
        form = QFormLayout()
        form.addRow("Reason", self.reason)
        lay.addWidget(head)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.reason.textChanged.connect(self.on_reason_changed)
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.on_reason_changed()

    @classmethod
    def ask(cls, parent: QWidget | None, detail: InvoiceDetail) -> str | None:
        """The reason, or None if the cashier thought better of it."""
        dlg = cls(parent, detail)
        dlg.exec()
        return dlg.result_value

    @Slot()
    def on_reason_changed(self) -> None:
        self.ok.setEnabled(bool(self.reason.text().strip()))

    @Slot()
    def on_buttons_accepted(self) -> None:
        self.result_value = self.reason.text().strip()
        self.accept()
