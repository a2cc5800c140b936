"""Cheques and demand drafts awaiting clearance, oldest first, with Clear and Bounce.

Clear marks the payment realised. Bounce (a supervisor's, with the reason the bank gave)
reverses the allocation and issues a numbered reversal note, which opens for printing."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.money import format_money
from ui.operations import QueryOp

COLUMNS = ("Received", "Receipt", "Invoice", "Student", "Instrument", "Bank", "Dated", "Amount")
KINDS = {"cheque": "Cheque", "dd": "DD"}


class BounceReason:
    @classmethod
    def ask(cls, parent: QWidget | None, what: str) -> str | None:
        text, ok = QInputDialog.getText(
            parent, "Bounced", f"Why did the bank return {what}? (it goes on the reversal note)"
        )
        return text.strip() if ok and text.strip() else None


class ClearanceDialog(QDialog):
    settled = Signal(object)  # kiosk.payments.clearance.Settled

    def __init__(self, parent: QWidget | None, ctx, user, win=None) -> None:
        super().__init__(parent)
        self.ctx, self.user, self.win = ctx, user, win
        self.money_locale = str(ctx.settings.get("desk.locale"))
        self.rows: list = []
        self.setWindowTitle("Cheques and drafts awaiting clearance")
        self.setAccessibleName("Cheques and drafts awaiting clearance")
        self.resize(1060, 460)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Instruments awaiting clearance")
        self.note = QLabel()
        self.note.setObjectName("muted")
        self.note.setWordWrap(True)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setProperty("primary", True)
        self.clear_button.setAccessibleName("Mark the instrument cleared")
        self.bounce_button = QPushButton("Bounce…")
        self.bounce_button.setAccessibleName("Record that the instrument bounced")
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        for b in (self.bounce_button, self.clear_button, close):
            row.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        self.clear_button.clicked.connect(self.on_clear_button_clicked)
        self.bounce_button.clicked.connect(self.on_bounce_button_clicked)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.reload()

    def reload(self) -> None:
        from kiosk.payments.clearance import awaiting_clearance

        ctx = self.ctx
        QueryOp(self, lambda _t: awaiting_clearance(ctx)).success(self._fill).run()

    def _fill(self, rows: list) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = (
                r.received_at[:10],
                r.receipt,
                r.invoice,
                r.student,
                f"{KINDS.get(r.kind, r.kind)} {r.number}",
                r.bank,
                r.dated,
                format_money(r.amount, r.currency, self.money_locale),
            )
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == len(cells) - 1:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, j, item)
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):  # money and numbers whole; the student's name gives way
            mode = (
                QHeaderView.ResizeMode.Stretch
                if col == 3
                else QHeaderView.ResizeMode.ResizeToContents
            )
            header.setSectionResizeMode(col, mode)
        if rows:
            self.table.selectRow(0)
        self.note.setText(
            f"{len(rows)} awaiting clearance." if rows else "Nothing is awaiting clearance."
        )
        self._update_buttons()

    def selected(self):
        index = self.table.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _update_buttons(self) -> None:
        on = self.selected() is not None
        self.clear_button.setEnabled(on)
        self.bounce_button.setEnabled(on)

    @Slot()
    def on_clear_button_clicked(self) -> None:
        from kiosk.payments.clearance import clear_instrument

        row = self.selected()
        if row is None:
            return
        ctx, user = self.ctx, self.user
        QueryOp(self, lambda _t: clear_instrument(ctx, row.attempt_id, user)).success(
            self._on_settled
        ).run()

    @Slot()
    def on_bounce_button_clicked(self) -> None:
        from ui.supervisor_dialog import SupervisorDialog

        row = self.selected()
        if row is None:
            return
        what = f"{KINDS.get(row.kind, row.kind)} {row.number} ({row.receipt})"
        reason = BounceReason.ask(self, what)
        if reason is None:
            return
        supervisor = SupervisorDialog.ask(self, self.ctx, "Bounce", what, self.user.username)
        if supervisor is None:
            return
        self.bounce(row, reason, supervisor)

    def bounce(self, row, reason: str, supervisor) -> None:
        from kiosk.payments.clearance import bounce_instrument
        from kiosk.receipts.service import note_file

        ctx = self.ctx

        def run(_t):
            done = bounce_instrument(ctx, row.attempt_id, reason, supervisor)
            return done, note_file(ctx, done.reversal_note)  # rendered now, for printing

        QueryOp(self, run).success(self._on_bounced).run()

    def _on_bounced(self, result) -> None:
        done, path = result
        self._on_settled(done)
        if self.win is not None and path is not None:
            number = done.reversal_note
            self.win.actions_.preview(number, path, f"Reversal note {number}")

    def _on_settled(self, done) -> None:
        word = "cleared" if done.status == "paid" else f"bounced; note {done.reversal_note}"
        self.note.setText(f"{done.receipt} ({done.invoice}): {word}.")
        self.settled.emit(done)
        self.reload()
