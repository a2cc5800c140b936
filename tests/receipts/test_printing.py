"""Qt printing (ui.printing): QtPdf renders our PDF onto a QPrinter; print-to-file under the
offscreen platform, the print dialog's answer, and the no-printer / unknown-printer errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.receipts.service import render_pending, reprint
from tests.receipts.test_render import stored

printing = pytest.importorskip("ui.printing")

MM = 72 / 25.4


def page_size_mm(path: Path) -> tuple[float, float]:
    box = PdfReader(path).pages[0].mediabox
    return float(box.width) / MM, float(box.height) / MM


def test_print_to_file_renders_every_page_at_the_pdf_size(qtbot, desk, paid, tmp_path):
    render_pending(desk)
    source = Path(stored(desk, paid).file_path)
    out = tmp_path / "printed.pdf"
    result = printing.print_pdf(source, to_file=out, ask=False)
    assert result == printing.PrintResult(True, str(out), 1, source)
    assert len(PdfReader(out).pages) == 1
    assert page_size_mm(out) == pytest.approx((148, 210), abs=1)  # A5, as the receipt
    assert out.stat().st_size > 20_000  # the page image is there, not a blank page


def test_print_thermal_roll_to_file(qtbot, desk, paid, tmp_path):
    desk.settings.set("receipts.layout", "thermal80")
    copy = reprint(desk, paid)
    out = tmp_path / "roll.pdf"
    printing.print_pdf(copy, to_file=out, ask=False)
    width, height = page_size_mm(out)
    assert width == pytest.approx(80, abs=1)
    assert height == pytest.approx(page_size_mm(copy)[1], abs=1)


def test_print_to_file_never_asks(qtbot, desk, paid, tmp_path, monkeypatch):
    def refuse(cls, parent, printer):
        raise AssertionError("print-to-file must not open the print dialog")

    monkeypatch.setattr(printing.PrintDialog, "ask", classmethod(refuse))
    out = tmp_path / "saved.pdf"
    assert printing.print_pdf(reprint(desk, paid), to_file=out).printed and out.is_file()


def test_cancelled_dialog_prints_nothing(qtbot, desk, paid, monkeypatch):
    names = printing.available_printers()
    if not names:
        pytest.skip("no printer installed: the dialog only opens for a real printer")
    monkeypatch.setattr(printing.PrintDialog, "ask", classmethod(lambda cls, p, q: False))
    result = printing.print_pdf(reprint(desk, paid), names[0])
    assert not result.printed and result.pages == 0


def test_print_receipt_prints_the_original_then_duplicates(qtbot, desk, paid, tmp_path):
    first = printing.print_receipt(desk, paid, to_file=tmp_path / "1.pdf")
    second = printing.print_receipt(desk, paid, to_file=tmp_path / "2.pdf")
    assert first.path == Path(stored(desk, paid).file_path)
    assert second.path.name == f"{paid}-duplicate.pdf"
    assert stored(desk, paid).print_count == 2


def test_unknown_printer_is_a_clear_error(qtbot, desk, paid):
    with pytest.raises(printing.NoPrinterError) as err:
        printing.print_pdf(reprint(desk, paid), "Front Desk Thermal", ask=False)
    message = str(err.value)
    assert "Front Desk Thermal" in message or "no printer is installed" in message


def test_no_printer_installed(qtbot, desk, paid):
    if printing.available_printers():
        pytest.skip("this machine has printers")
    with pytest.raises(printing.NoPrinterError, match="no printer is installed"):
        printing.print_pdf(reprint(desk, paid), ask=False)
    assert stored(desk, paid).print_count == 0  # the receipt stays available for reprint


def test_unreadable_pdf(qtbot, tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"not a pdf")
    with pytest.raises(printing.PrintError, match="cannot read"):
        printing.print_pdf(bad, to_file=tmp_path / "x.pdf", ask=False)
    with pytest.raises(printing.PrintError, match="missing"):
        printing.print_pdf(tmp_path / "gone.pdf", to_file=tmp_path / "x.pdf", ask=False)
