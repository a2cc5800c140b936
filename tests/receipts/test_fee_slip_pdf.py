"""The fee slip page on its own: long invoices fold into one page, ₹ amounts, one font."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.receipts.fee_slip_pdf import SlipFacts, SlipLine, render_slip
from kiosk.receipts.pdf_parts import RenderOptions
from kiosk.receipts.wording import Wording
from tests.receipts.conftest import LOGO, pdf_text


def slip(lines: list[SlipLine]) -> SlipFacts:
    return SlipFacts(
        "INV-2026-0099",
        "Asha Verma",
        "S2026-0042",
        "B.Sc. Physics",
        "INR",
        date(2026, 11, 2),
        date(2026, 12, 15),
        tuple(lines),
        sum(ln.balance for ln in lines),
        "http://127.0.0.1:12111/link/plink_x",
        "pa_test",
        datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize("layout", ["a5", "a4"])
def test_a_long_invoice_folds_into_one_page(tmp_path: Path, layout: str):
    lines = [
        SlipLine(
            f"Laboratory and examination fee for module {i} of the programme", 100_000 * (i + 1), 0
        )
        for i in range(30)
    ]
    opts = RenderOptions(
        "Demo University", "1 University Road", LOGO, "a5", Wording("en_IN", "Asia/Kolkata")
    )
    path = tmp_path / "slip.pdf"
    path.write_bytes(render_slip(slip(lines), opts, layout))
    reader = PdfReader(path)
    assert len(reader.pages) == 1
    text = pdf_text(path)
    assert "more components" in text and "Pay ₹4,65,000.00 online" in text
    assert "Outstanding balance ₹4,65,000.00" in text
    fonts = {
        str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert len(fonts) == 1 and "DejaVuSans" in fonts.pop()  # bold is drawn, not embedded
