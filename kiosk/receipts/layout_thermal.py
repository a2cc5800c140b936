"""The 80 mm thermal-roll receipt: one column, 72 mm printable, as long as it needs to be.

The page height is measured: the story is laid out once on a very tall page, and the
PDF is then built with exactly the height the content took (thermal printers cut there).
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kiosk.receipts.facts import ReceiptFacts
from kiosk.receipts.fonts import REGULAR
from kiosk.receipts.pdf_parts import (
    INK,
    TEST_MARK,
    Grid,
    QRCode,
    RenderOptions,
    Styles,
    is_test,
    logo,
    para,
)
from kiosk.receipts.tender_wording import realisation_note, reference_rows
from kiosk.receipts.verification import qr_payload
from kiosk.receipts.wording import balance_label, payment_method, title, total_label, who_label

ROLL_WIDTH = 80 * mm
MARGIN: float = 4 * mm
WIDTH = ROLL_WIDTH - 2 * MARGIN
TALL: float = 2000 * mm


def render_thermal(facts: ReceiptFacts, opts: RenderOptions, duplicate: bool) -> bytes:
    used = _measure(facts, opts, duplicate)
    return _build(facts, opts, duplicate, used + 2 * MARGIN + 1, measure=False)[0]


def _measure(facts: ReceiptFacts, opts: RenderOptions, duplicate: bool) -> float:
    _, end = _build(facts, opts, duplicate, TALL)
    return TALL - MARGIN - end


def _build(
    facts: ReceiptFacts, opts: RenderOptions, duplicate: bool, height: float, measure: bool = True
) -> tuple[bytes, float]:
    buf = io.BytesIO()
    marker = EndMarker()
    doc = roll_document(buf, height, title=f"{title(facts).title()} {facts.number}",
                        author=opts.institution)  # fmt: skip
    doc.build([*story(facts, opts, duplicate), *([marker] if measure else [])])
    return buf.getvalue(), marker.y


def roll_document(buf: Any, height: float, *, title: str, author: str) -> BaseDocTemplate:
    """One 80 mm column `height` tall; the caller measures the height with an EndMarker."""
    frame = Frame(
        MARGIN,
        MARGIN,
        WIDTH,
        height - 2 * MARGIN,
        id="roll",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    return BaseDocTemplate(
        buf,
        pagesize=(ROLL_WIDTH, height),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=author,
        creator="Fee Kiosk",
        invariant=1,
        initialFontName=REGULAR,
        pageTemplates=[PageTemplate("roll", [frame])],
    )


def story(facts: ReceiptFacts, opts: RenderOptions, duplicate: bool) -> list[Flowable]:
    st = Styles.sized(8.0)
    test = is_test(facts, opts)
    parts: list[Flowable] = []
    if test:
        parts += [band(TEST_MARK, st), Spacer(1, 2 * mm)]
    if duplicate:
        parts += [band("DUPLICATE", st), Spacer(1, 2 * mm)]
    parts += _heading(facts, opts, st)
    parts += _amounts(facts, opts, st)
    parts += _payment_and_check(facts, opts, st)
    if duplicate:
        parts += [Spacer(1, 2 * mm), band("DUPLICATE — reprint", st)]
    if test:  # at both ends: a torn-off half still says it
        parts += [Spacer(1, 2 * mm), band(TEST_MARK, st)]
    return parts


def _heading(facts: ReceiptFacts, opts: RenderOptions, st: Styles) -> list[Flowable]:
    """Logo, institution, title, number and date, and who paid for which invoice."""
    parts: list[Flowable] = []
    image = logo(opts.logo, 13 * mm)
    if image is not None:
        image.hAlign = "CENTER"
        parts += [image, Spacer(1, 1.5 * mm)]
    return [
        *parts,
        para(opts.institution, st.heading.clone("inst", alignment=1)),
        para(opts.address, st.center_small),
        rule(),
        para(
            title(facts), st.title.clone("t", alignment=1, textColor=INK, fontSize=12, leading=15)
        ),
        para(facts.number, st.strong.clone("n", alignment=1, fontSize=10, leading=13)),
        para(opts.wording.when(facts.issued_at), st.center),
        rule(),
        pairs(
            st,
            [
                (who_label(facts), facts.student_name),
                ("Student no.", facts.student_number),
                ("Email", facts.student_email or "—"),
                ("Invoice", facts.invoice_number),
            ],
        ),
        rule(),
    ]


def _amounts(facts: ReceiptFacts, opts: RenderOptions, st: Styles) -> list[Flowable]:
    """Each fee component's share, any credit, the total and the balance left."""

    def money(minor: int) -> str:
        return opts.wording.money(minor, facts.currency)

    rows = [(ln.component, money(ln.amount)) for ln in facts.lines]
    if facts.unallocated:
        credit = "From credit" if facts.is_refund else "Credit on account"
        rows.append((credit, money(facts.unallocated)))
    return [
        *([para("Taken back from:", st.label)] if facts.is_refund else []),
        money_rows(st, rows),
        rule(),
        money_rows(st, [(total_label(facts), money(facts.amount))], strong=True),
        money_rows(st, [(balance_label(facts), money(facts.balance_after))]),
    ]


def _payment_and_check(facts: ReceiptFacts, opts: RenderOptions, st: Styles) -> list[Flowable]:
    """How it was paid, where and by whom, and the QR code and code to verify the receipt."""
    return [
        rule(),
        para(payment_method(facts), st.body),
        *_stacked(st, reference_rows(facts, opts.wording)),
        *_realisation(facts, st),
        pairs(st, [("Desk", facts.desk or "—"), ("Cashier", facts.cashier)]),
        Spacer(1, 3 * mm),
        _centered_qr(facts),
        Spacer(1, 1 * mm),
        para(facts.verification_code or "", st.strong.clone("code", alignment=1)),
        para(
            "Scan, or give the number and this code to the bursar's desk to verify.",
            st.center_small,
        ),
    ]


def _realisation(facts: ReceiptFacts, st: Styles) -> list[Flowable]:
    note = realisation_note(facts)
    return [Spacer(1, 1.5 * mm), para(note, st.strong)] if note else []


def _stacked(st: Styles, rows: list[tuple[str, str]]) -> list[Flowable]:
    """Label on one line, value under it: Stripe ids are too long to share a line."""
    out: list[Flowable] = []
    for label, value in rows:
        out += [para(label, st.label), para(value, st.body)]
    return out


def pairs(st: Styles, rows: list[tuple[str, str]]) -> Table:
    table = Grid(
        [[para(k, st.label), para(v, st.body)] for k, v in rows],
        colWidths=[23 * mm, WIDTH - 23 * mm],
    )
    table.setStyle(_tight())
    return table


def money_rows(st: Styles, rows: list[tuple[str, str]], strong: bool = False) -> Table:
    left, right = (st.strong, st.strong_right) if strong else (st.body, st.value_right)
    table = Grid(
        [[para(k, left), para(v, right)] for k, v in rows], colWidths=[WIDTH - 30 * mm, 30 * mm]
    )
    table.setStyle(_tight())
    return table


def _centered_qr(facts: ReceiptFacts) -> Table:
    qr = QRCode(qr_payload(facts.number, facts.verification_code or ""), 34 * mm)
    table = Grid([[qr]], colWidths=[WIDTH])
    table.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), *_no_padding()]))
    return table


def band(text: str, st: Styles) -> Table:
    """White on black: the only emphasis a one-colour thermal head has."""
    label = para(
        text, st.strong.clone("band", alignment=1, textColor=colors.white, fontSize=11, leading=14)
    )
    table = Grid([[label]], colWidths=[WIDTH])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def rule() -> HRFlowable:
    return HRFlowable(
        width="100%",
        thickness=0.6,
        color=colors.black,
        dash=(1.5, 1.5),
        spaceBefore=2 * mm,
        spaceAfter=2 * mm,
    )


def _no_padding() -> list[tuple[Any, ...]]:
    return [
        (side, (0, 0), (-1, -1), 0)
        for side in ("LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING")
    ]


def _tight() -> TableStyle:
    return TableStyle(
        [
            *_no_padding(),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
            ("RIGHTPADDING", (0, 0), (0, -1), 3),
        ]
    )


class EndMarker(Flowable):  # type: ignore[misc]  # reportlab has no type stubs
    """Zero-height flowable that records where the content ended (page coordinates)."""

    def __init__(self) -> None:
        super().__init__()
        self.y = 0.0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.y = self.canv.absolutePosition(0, 0)[1]
