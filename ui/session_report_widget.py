"""A counter session's report on screen (the PDF, through QtPdf) with Print, the 80 mm
roll, and Done."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal, Slot
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ui import icons
from ui.errors import ErrorPanel
from ui.operations import QueryOp
from ui.receipt_widget import pdf_preview


class SessionReportWidget(QWidget):
    printed = Signal(str)  # the printer
    done = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.number = ""
        self.path: Path | None = None
        self.document, self.view, self.title, self.note = pdf_preview(
            self, "Session report preview", QPdfView.ZoomMode.FitToWidth
        )
        self.print_button = QPushButton(icons.icon("print"), "Print")
        self.print_button.setProperty("primary", True)
        self.print_button.setAccessibleName("Print the session report")
        self.roll_button = QPushButton("80 mm roll")
        self.roll_button.setCheckable(True)
        self.roll_button.setAccessibleName("Show the report for the 80 mm roll printer")
        self.done_button = QPushButton("Done")
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        for b in (self.roll_button, self.print_button, self.done_button):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 16, 20, 16)
        lay.addWidget(self.title)
        lay.addWidget(self.view, 1)
        lay.addLayout(buttons)
        self.print_button.clicked.connect(self.on_print_button_clicked)
        self.roll_button.toggled.connect(self.on_roll_button_toggled)
        self.done_button.clicked.connect(self.done)

    def show_report(self, number: str, path: Path) -> None:
        self.number, self.path = number, Path(path)
        self.document.close()
        if self.document.load(str(path)) != QPdfDocument.Error.None_:
            ErrorPanel.show(self, f"The report of {number} could not be shown.")
        self.title.setText(f"Counter session {number}")
        self.note.setText(path.name)

    @Slot(bool)
    def on_roll_button_toggled(self, roll: bool) -> None:
        from kiosk.receipts.counter_service import session_report_file

        ctx, number, layout = self.ctx, self.number, "thermal80" if roll else "a4"
        QueryOp(self, lambda _t: session_report_file(ctx, number, layout)).success(
            lambda path: self.show_report(number, path)
        ).run()

    @Slot()
    def on_print_button_clicked(self) -> None:
        from ui.printing import PrintError, print_pdf

        if self.path is None:
            return
        try:  # QPrinter lives on the GUI thread
            result = print_pdf(self.path, parent=self, ask=True)
        except PrintError as exc:
            ErrorPanel.show(self, str(exc))
            return
        if result.printed:
            self.note.setText(f"Printed on {result.printer}")
            self.printed.emit(result.printer)


class SessionReportDialog(QDialog):
    """A session's report on its own (Counter → Session report…)."""

    def __init__(self, parent: QWidget | None, ctx, number: str, path: Path) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Counter session {number}")
        self.resize(760, 860)
        self.report = SessionReportWidget(ctx, self)
        self.report.show_report(number, path)
        self.report.done.connect(self.accept)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.report)
