"""Printing receipts through Qt: QtPdf renders *our* PDF page by page onto a QPrinter.

What prints is the PDF the ledger keeps (or its duplicate), not a re-layout in Qt. Each
page is rasterised at up to 300 dpi and scaled to the printer's page, keeping its aspect.

    result = print_pdf(path)                       # default printer, with the print dialog
    result = print_pdf(path, "Thermal", ask=False) # straight to a named printer
    result = print_pdf(path, to_file=out_pdf)      # headless: Qt's PDF output (tests, CLI)

Errors (no printer, unknown or offline printer, a PDF that will not load) raise
PrintError with a message for the cashier; the receipt stays in the ledger for reprint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QRectF, QSize, QSizeF
from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import QApplication, QDialog, QWidget

if TYPE_CHECKING:
    from kiosk.context import Context

log = logging.getLogger(__name__)

MAX_DPI = 300


class PrintError(RuntimeError):
    """Printing failed; the message is for the cashier and says what to do."""


class NoPrinterError(PrintError):
    pass


class PrinterOfflineError(PrintError):
    pass


@dataclass(frozen=True)
class PrintResult:
    printed: bool  # False: the cashier cancelled the print dialog
    printer: str  # printer name, or the output file for print-to-file
    pages: int
    path: Path  # the PDF that was printed


class PrintDialog:
    """The system print dialog; tests monkeypatch `ask` and never exec() it."""

    @classmethod
    def ask(cls, parent: QWidget | None, printer: QPrinter) -> bool:
        dialog = QPrintDialog(printer, parent)
        dialog.setWindowTitle("Print receipt")
        return dialog.exec() == QDialog.DialogCode.Accepted


def available_printers() -> list[str]:
    return [p.printerName() for p in QPrinterInfo.availablePrinters()]


def default_printer() -> str | None:
    return QPrinterInfo.defaultPrinterName() or None


def print_pdf(
    path: str | Path,
    printer_name: str | None = None,
    parent: QWidget | None = None,
    ask: bool = True,
    to_file: str | Path | None = None,
) -> PrintResult:
    """Print every page of the PDF at `path`; see the module docstring."""
    _ensure_app()
    pdf = Path(path)
    document = _load(pdf)
    try:
        if to_file is not None:
            printer, name = _file_printer(Path(to_file)), str(to_file)
        else:
            printer, name = _device_printer(printer_name)
        _fit_page(printer, document)
        if ask and to_file is None and not PrintDialog.ask(parent, printer):
            return PrintResult(False, name, 0, pdf)
        pages = _paint(printer, document, name)
    finally:
        document.close()
    log.info("printed %s (%d page(s)) on %s", pdf.name, pages, name)
    return PrintResult(True, name, pages, pdf)


def print_receipt(
    ctx: Context,
    number: str,
    printer_name: str | None = None,
    parent: QWidget | None = None,
    ask: bool = False,
    to_file: str | Path | None = None,
) -> PrintResult:
    """Print a receipt at the desk: the original the first time, a DUPLICATE after that.

    Called after a payment (receipts.auto_print) and by the Reprint button. Blocking:
    run it through the task runner's GUI-thread step, since QPrinter lives there.
    """
    from kiosk.receipts.facts import receipt_facts
    from kiosk.receipts.service import record_print, render_one, reprint

    render_one(ctx, number)
    with ctx.ledger.begin() as s:
        facts = receipt_facts(s, number)
    path = Path(facts.file_path or "") if facts.print_count == 0 else reprint(ctx, number)
    chosen = printer_name or str(ctx.settings.get("receipts.printer")) or None
    result = print_pdf(path, chosen, parent=parent, ask=ask, to_file=to_file)
    if result.printed:
        record_print(ctx, number)
    return result


def _ensure_app() -> None:
    if QGuiApplication.instance() is None:
        QApplication([])


def _load(path: Path) -> QPdfDocument:
    if not path.is_file():
        raise PrintError(f"the receipt file {path} is missing; reprint it to render it again")
    document = QPdfDocument()
    error = document.load(str(path))
    if error != QPdfDocument.Error.None_ or document.pageCount() < 1:
        document.close()
        raise PrintError(f"cannot read {path.name} as a PDF ({error.name}); reprint it")
    return document


def _file_printer(out: Path) -> QPrinter:
    out.parent.mkdir(parents=True, exist_ok=True)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    return printer


def _device_printer(name: str | None) -> tuple[QPrinter, str]:
    names = available_printers()
    if not names:
        raise NoPrinterError(
            "no printer is installed on this computer: add one in the system "
            "settings, or print to a file. The receipt stays available."
        )
    chosen = name or default_printer() or names[0]
    if chosen not in names:
        raise NoPrinterError(
            f"printer {chosen!r} is not installed; installed: "
            f"{', '.join(names)}. Set receipts.printer or choose another."
        )
    info = QPrinterInfo.printerInfo(chosen)
    if info.state() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
        raise PrinterOfflineError(
            f"printer {chosen!r} is offline or in error: check power, "
            "paper and cable, then reprint the receipt."
        )
    return QPrinter(info, QPrinter.PrinterMode.HighResolution), chosen


def _fit_page(printer: QPrinter, document: QPdfDocument) -> None:
    """Use the PDF's own page size (A5, A4 or the 80 mm roll), with no added margins."""
    size = document.pagePointSize(0)
    page = QPageSize(
        QSizeF(size.width(), size.height()),
        QPageSize.Unit.Point,
        "Receipt",
        QPageSize.SizeMatchPolicy.FuzzyMatch,
    )
    printer.setPageLayout(
        QPageLayout(page, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0))
    )
    printer.setFullPage(True)
    printer.setDocName(document.metaData(QPdfDocument.MetaDataField.Title) or "Receipt")


def _paint(printer: QPrinter, document: QPdfDocument, name: str) -> int:
    painter = QPainter()
    if not painter.begin(printer):
        raise PrinterOfflineError(
            f"could not start printing on {name}: the printer or file "
            "is not available. The receipt stays available for reprint."
        )
    try:
        for index in range(document.pageCount()):
            if index and not printer.newPage():
                raise PrintError(f"{name} refused a new page")
            _paint_page(painter, printer, document, index)
    finally:
        painter.end()
    if printer.printerState() in (QPrinter.PrinterState.Error, QPrinter.PrinterState.Aborted):
        raise PrintError(f"{name} reported an error while printing; reprint the receipt")
    return document.pageCount()


def _paint_page(painter: QPainter, printer: QPrinter, document: QPdfDocument, index: int) -> None:
    target = printer.pageRect(QPrinter.Unit.DevicePixel)
    points = document.pagePointSize(index)
    scale = min(target.width() / points.width(), target.height() / points.height())
    width, height = points.width() * scale, points.height() * scale
    dpi = min(printer.resolution(), MAX_DPI)
    image = document.render(
        index, QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
    )
    x = target.x() + (target.width() - width) / 2
    painter.drawImage(QRectF(x, target.y(), width, height), image)
