"""The receipt itself (the PDF, through QtPdf) with Print, Save as PDF, Email and Done."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ui import icons
from ui.errors import ErrorPanel
from ui.operations import QueryOp

log = logging.getLogger(__name__)


def pdf_preview(
    parent: QWidget, name: str, zoom: QPdfView.ZoomMode = QPdfView.ZoomMode.FitInView
) -> tuple[QPdfDocument, QPdfView, QLabel, QLabel]:
    """A PDF on screen (all its pages), with a heading above and a note line for below."""
    document = QPdfDocument(parent)
    view = QPdfView(parent)
    view.setAccessibleName(name)
    view.setDocument(document)
    view.setPageMode(QPdfView.PageMode.MultiPage)
    view.setZoomMode(zoom)
    title = QLabel()
    title.setObjectName("heading")
    note = QLabel()
    note.setObjectName("muted")
    note.setWordWrap(True)
    return document, view, title, note


class SavePicker:
    @classmethod
    def ask(cls, parent: QWidget | None, suggested: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(
            parent, "Save the receipt as PDF", suggested, "PDF files (*.pdf)"
        )
        return Path(path) if path else None


class ReceiptPreviewWidget(QWidget):
    printed = Signal(str)
    saved = Signal(str)  # the path written
    emailed = Signal(str)
    done = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.number = ""
        self.path: Path | None = None
        self.document, self.view, self.title, self.note = pdf_preview(self, "Receipt preview")
        self.change = QLabel()
        self.change.setObjectName("changeDue")
        self.change.setAccessibleName("Change due")
        self.change.hide()
        self.print_button = QPushButton(icons.icon("print"), "Print")
        self.print_button.setProperty("primary", True)
        self.save_button = QPushButton("Save as PDF…")
        self.email_button = QPushButton(icons.icon("email"), "Email")
        self.done_button = QPushButton("Done")
        for b, name in (
            (self.print_button, "Print the receipt"),
            (self.save_button, "Save the receipt as a PDF file"),
            (self.email_button, "Email the receipt to the student"),
            (self.done_button, "Done"),
        ):
            b.setAccessibleName(name)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        for b in (self.email_button, self.save_button, self.print_button, self.done_button):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.addWidget(self.title)
        lay.addWidget(self.change)
        lay.addWidget(self.view, 1)
        lay.addLayout(buttons)
        self.print_button.clicked.connect(self.on_print_button_clicked)
        self.save_button.clicked.connect(self.on_save_button_clicked)
        self.email_button.clicked.connect(self.on_email_button_clicked)
        self.done_button.clicked.connect(self.done)

    def change_due(self, amount: str) -> None:
        """Cash: the change to hand back, in large type above the receipt."""
        self.change.setText(f"Change due {amount}")
        self.change.show()

    def show_receipt(self, number: str, path: Path, heading: str = "") -> None:
        self.number, self.path = number, Path(path)
        self.document.close()
        error = self.document.load(str(path))
        if error != QPdfDocument.Error.None_:
            ErrorPanel.show(
                self,
                f"The receipt {number} could not be shown ({error.name}). "
                "It is kept in the ledger: reprint it from the invoice.",
            )
        self.title.setText(heading or f"Receipt {number}")
        self.note.setText(str(path.name))
        mail_on = bool(self.ctx.settings.get("smtp.host"))
        self.email_button.setEnabled(mail_on)
        self.email_button.setToolTip(
            ""
            if mail_on
            else "Email is off: a supervisor can set the mail server "
            "(smtp.host) in the configuration."
        )

    @Slot()
    def on_print_button_clicked(self) -> None:
        from ui.printing import PrintError, print_receipt

        try:  # QPrinter lives on the GUI thread
            result = print_receipt(self.ctx, self.number, parent=self, ask=True)
        except PrintError as exc:
            ErrorPanel.show(self, str(exc))
            return
        if result.printed:
            self.note.setText(f"Printed on {result.printer}")
            self._audit("receipt_print")
            self.printed.emit(self.number)

    def print_automatically(self) -> None:
        """receipts.auto_print: straight to the configured (or default) printer, no dialog.
        A failure is said plainly; the receipt stays here to print again."""
        from ui.printing import PrintError, print_receipt

        printer = str(self.ctx.settings.get("receipts.printer")) or None
        try:  # QPrinter lives on the GUI thread
            result = print_receipt(self.ctx, self.number, printer_name=printer, parent=self)
        except PrintError as exc:
            self.note.setText(f"Not printed: {exc}. Use Print to try again.")
            return
        if result.printed:
            self.note.setText(f"Printed on {result.printer}")
            self._audit("receipt_auto_print")
            self.printed.emit(self.number)

    @Slot()
    def on_save_button_clicked(self) -> None:
        if self.path is None:
            return
        target = SavePicker.ask(self, str(Path.home() / f"{self.number}.pdf"))
        if target is None:
            return
        from ui.printing import PrintError, print_pdf

        try:
            print_pdf(self.path, to_file=target)
        except PrintError as exc:
            ErrorPanel.show(self, str(exc))
            return
        self.note.setText(f"Saved to {target}")
        self.saved.emit(str(target))

    @Slot()
    def on_email_button_clicked(self) -> None:
        ctx, number = self.ctx, self.number

        def run(_t):
            from kiosk.receipts.mail import queue_receipt_email

            return queue_receipt_email(ctx, number)

        self.email_button.setEnabled(False)
        QueryOp(self, run).success(lambda _r: self._on_emailed()).done(
            lambda: self.email_button.setEnabled(True)
        ).run()

    def _on_emailed(self) -> None:
        self.note.setText("Queued for email to the student.")
        self._audit("receipt_email")
        self.emailed.emit(self.number)

    def _audit(self, action: str) -> None:
        from ui.staff import audit

        ctx, number = self.ctx, self.number
        user = getattr(self.window(), "user", None) or getattr(self.parent(), "user", None)
        name = getattr(user, "username", "")
        QueryOp(None, lambda _t: audit(ctx, action, name, target=number)).run()
