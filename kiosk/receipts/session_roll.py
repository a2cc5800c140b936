"""The counter session report on the 80 mm roll: one column, each line a label and an
amount, the roll cut where the content ends (as the thermal receipt is)."""

from __future__ import annotations

import io

from reportlab.platypus import (
    Flowable,
    Spacer,
)

from kiosk.receipts.layout_thermal import (
    MARGIN,
    TALL,
    EndMarker,
    band,
    money_rows,
    pairs,
    roll_document,
    rule,
)
from kiosk.receipts.pdf_parts import RenderOptions, Styles, para
from kiosk.receipts.session_facts import SessionReportFacts
from kiosk.receipts.session_sections import OPEN_NOTE, Section, who_rows


def render_roll(facts: SessionReportFacts, opts: RenderOptions, sections: list[Section]) -> bytes:
    story = _story(facts, opts, sections)
    _, end = _build(facts, opts, [*story, EndMarker()], TALL)
    used = TALL - MARGIN - end
    return _build(facts, opts, _story(facts, opts, sections), used + 2 * MARGIN + 1)[0]


def _build(
    facts: SessionReportFacts, opts: RenderOptions, story: list[Flowable], height: float
) -> tuple[bytes, float]:
    buf = io.BytesIO()
    title = f"Counter session report {facts.number}"
    doc = roll_document(buf, height, title=title, author=opts.institution)
    marker = story[-1]  # build() consumes the list
    doc.build(story)
    return buf.getvalue(), marker.y if isinstance(marker, EndMarker) else 0.0


def _story(
    facts: SessionReportFacts, opts: RenderOptions, sections: list[Section]
) -> list[Flowable]:
    st = Styles.sized(8.0)
    parts: list[Flowable] = [
        para(opts.institution, st.center.clone("inst", fontSize=10, leading=12)),
        Spacer(1, 2),
        band("COUNTER SESSION", st),
        para(facts.number, st.center),
    ]
    if facts.status == "open":
        parts += [Spacer(1, 3), para(OPEN_NOTE, st.center_small)]
    parts += [rule(), pairs(st, who_rows(facts, opts.wording))]
    for section in sections:
        parts += [rule(), para(section.title, st.strong), Spacer(1, 2)]
        parts += _lines(section, st)
    parts += [rule(), Spacer(1, 18), pairs(st, [("Cashier", ""), ("Supervisor", "")])]
    return parts


def _lines(section: Section, st: Styles) -> list[Flowable]:
    """A row becomes its first cells joined by ' · ' beside its last cell; rows with more
    than three cells (instruments, refunds) put the details on a second, smaller line."""
    out: list[Flowable] = []
    for row in section.rows:
        label, value = _split(row)
        out.append(money_rows(st, [(label, value)]))
        if len(row) > 3:
            out.append(para(" · ".join(c for c in row[2:-1] if c and c != "—"), st.small))
    if section.total:
        label, value = _split(section.total)
        out.append(money_rows(st, [(label, value)], strong=True))
    if section.note:
        out.append(para(section.note, st.small))
    return out


def _split(row: list[str]) -> tuple[str, str]:
    if len(row) > 3:  # receipt, invoice, ..., amount
        return " · ".join(c for c in row[:2] if c), row[-1]
    if len(row) == 3:  # label, count, amount
        label = f"{row[0]} ({row[1]})" if row[1] else row[0]
        return label, row[2]
    return row[0], row[-1]
