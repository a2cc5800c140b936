"""The counter session report as a PDF: A4 for the accounts office's file, or the 80 mm
roll for the drawer, in the same look as the receipts.

    path = write_session_report(ctx, "CS-2026-000004", Path("cs4.pdf"), layout="a4")

The file is written atomically and private to the user (it names students' receipts).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from kiosk.atomic import write_bytes
from kiosk.context import Context
from kiosk.receipts.fonts import REGULAR
from kiosk.receipts.pdf_parts import (
    ACCENT,
    RULE,
    TEST_ORANGE,
    Grid,
    RenderOptions,
    Styles,
    page_document,
    para,
)
from kiosk.receipts.session_facts import SessionReportFacts, session_report_facts
from kiosk.receipts.session_sections import OPEN_NOTE, Section, report_sections, who_rows

LAYOUTS = ("a4", "thermal80")
MARGIN = 16 * mm
SHADE = colors.HexColor("#eef1f5")


def write_session_report(ctx: Context, number: str, path: Path, layout: str = "a4") -> Path:
    """Render session `number` to `path` (atomically, owner-only) and return the path."""
    pdf = render_session_report(ctx, number, layout)
    write_bytes(path, pdf)
    return path


def render_session_report(ctx: Context, number: str, layout: str = "a4") -> bytes:
    if layout not in LAYOUTS:
        raise ValueError(f"the report layout is a4 or thermal80, not {layout!r}")
    facts = session_report_facts(ctx, number)
    opts = RenderOptions.from_settings(ctx.settings, "a4")
    blind = bool(ctx.settings.get("counter.blind_close"))
    sections = report_sections(facts, opts.wording, blind=blind)
    if layout == "thermal80":
        from kiosk.receipts.session_roll import render_roll

        return render_roll(facts, opts, sections)
    return _render_a4(facts, opts, sections)


def _render_a4(facts: SessionReportFacts, opts: RenderOptions, sections: list[Section]) -> bytes:
    st = Styles.sized(9.5)
    buf = io.BytesIO()
    doc = page_document(
        buf,
        A4,
        MARGIN,
        title=f"Counter session report {facts.number}",
        author=opts.institution,
        subject=f"{facts.desk} · {facts.number}",
    )
    width = A4[0] - 2 * MARGIN
    story: list[Flowable] = [_header(facts, opts, st, width), Spacer(1, 3 * mm)]
    if facts.status == "open":
        story += [_banner(OPEN_NOTE, st, width), Spacer(1, 3 * mm)]
    story += [_who(facts, opts, st, width), Spacer(1, 5 * mm)]
    for section in sections:
        story += [KeepTogether(_section(section, st, width)), Spacer(1, 5 * mm)]
    story += [Spacer(1, 12 * mm), KeepTogether([_signatures(facts, st, width)])]

    def footer(canvas: Any, doc_: Any) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 7.5)
        canvas.setFillColor(colors.HexColor("#5b6470"))
        canvas.drawString(MARGIN, 9 * mm, f"{facts.number} · {facts.desk}")
        canvas.drawRightString(A4[0] - MARGIN, 9 * mm, f"Page {doc_.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()


def _header(facts: SessionReportFacts, opts: RenderOptions, st: Styles, width: float) -> Table:
    left = [para(opts.institution, st.heading), para(opts.address, st.small)]
    right = [para("COUNTER SESSION", st.title_right), para(facts.number, st.strong_right)]
    table = Grid([[left, right]], colWidths=[width - 70 * mm, 70 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, ACCENT),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _who(facts: SessionReportFacts, opts: RenderOptions, st: Styles, width: float) -> Table:
    rows = who_rows(facts, opts.wording)
    cells = [
        [
            para(rows[i][0], st.label),
            para(rows[i][1], st.value),
            para(rows[i + 1][0], st.label),
            para(rows[i + 1][1], st.value),
        ]
        for i in range(0, len(rows), 2)
    ]
    table = Grid(cells, colWidths=[22 * mm, width / 2 - 22 * mm, 22 * mm, width / 2 - 22 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _section(section: Section, st: Styles, width: float) -> list[Flowable]:
    heading = para(section.title, st.heading)
    keyed = not any(section.header)
    right = st.label.clone("label_right", alignment=TA_RIGHT)
    data: list[list[Any]] = (
        []
        if keyed
        else [
            [
                para(h, right if i in section.money_columns else st.label)
                for i, h in enumerate(section.header)
            ]
        ]
    )
    for row in [*section.rows, *([section.total] if section.total else [])]:
        strong = row is section.total
        data.append([_cell(text, i, section, st, strong) for i, text in enumerate(row)])
    table = Grid(data, colWidths=_widths(section, width))
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if not keyed:
        style.append(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    if section.total:
        style.append(("LINEABOVE", (0, -1), (-1, -1), 1.0, ACCENT))
    table.setStyle(TableStyle(style))
    parts: list[Flowable] = [heading, Spacer(1, 1.5 * mm), table]
    if section.note:
        parts += [Spacer(1, 1 * mm), para(section.note, st.small)]
    return parts


def _cell(text: str, index: int, section: Section, st: Styles, strong: bool) -> Flowable:
    right = index in section.money_columns
    if strong:
        return para(text, st.strong_right if right else st.strong)
    return para(text, st.value_right if right else st.value)


def _widths(section: Section, width: float) -> list[float]:
    n = len(section.header)
    if n == 2:
        return [width * 0.6, width * 0.4]
    if n == 6:  # receipt, invoice, instrument, dated, status, amount
        fixed = [31, 34, 0, 21, 25, 27]
        rest = width - sum(fixed) * mm
        return [f * mm if f else rest for f in fixed]
    if n == 5:  # note, of receipt, paid from, reason, amount
        fixed = [31, 31, 28, 0, 27]
        rest = width - sum(fixed) * mm
        return [f * mm if f else rest for f in fixed]
    first = width - (n - 1) * 32 * mm
    return [first, *[32 * mm] * (n - 1)]


def _banner(text: str, st: Styles, width: float) -> Table:
    table = Grid([[para(text, st.strong)]], colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, TEST_ORANGE),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _signatures(facts: SessionReportFacts, st: Styles, width: float) -> Table:
    approver = facts.approved_by or ""
    cells = [
        [para("Cashier", st.label), "", para("Supervisor", st.label)],
        [para(facts.closed_by or facts.opened_by, st.value), "", para(approver, st.value)],
    ]
    table = Grid(cells, colWidths=[width * 0.42, width * 0.16, width * 0.42])
    table.setStyle(
        TableStyle(
            [
                ("LINEABOVE", (0, 0), (0, 0), 0.6, colors.black),
                ("LINEABOVE", (2, 0), (2, 0), 0.6, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table
