"""The end-of-day summary as a one-page A4 PDF (the ledger's figures: kiosk.ledger.day_summary)."""

from __future__ import annotations

import io
from pathlib import Path

from kiosk.atomic import write_bytes
from kiosk.ledger.day_summary import DaySummary


def write_pdf(summary: DaySummary, out: Path, locale: str, institution: str) -> Path:
    """A one-page A4 report (reportlab, with the bundled font so ₹ renders)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from kiosk.receipts.fonts import register_fonts

    regular, bold = register_fonts()
    h1 = ParagraphStyle("h1", fontName=bold, fontSize=16, leading=20)
    body = ParagraphStyle("b", fontName=regular, fontSize=10, leading=13)
    story = [
        Paragraph(f"{institution}: end-of-day summary", h1),
        Paragraph(f"{summary.day:%A %d %B %Y} · {summary.desk} · {summary.timezone}", body),
        Spacer(1, 6 * mm),
    ]
    data = [["Section", "Item", "Count", "Amount"]]
    for section, label, _cur, count, amount in summary.rows(locale):
        data.append([section, label, str(count) if count else "", amount])
    table = Table(data, colWidths=[35 * mm, 75 * mm, 20 * mm, 45 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), regular, 10),
                ("FONT", (0, 0), (-1, 0), bold, 10),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f4f7")]),
            ]
        )
    )
    story.append(table)
    buf = io.BytesIO()
    SimpleDocTemplate(
        buf, pagesize=A4, title="End-of-day summary", leftMargin=18 * mm, rightMargin=18 * mm
    ).build(story)
    write_bytes(out, buf.getvalue())
    return out
