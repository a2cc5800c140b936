"""The A5 / A4 page receipt: header, who and what, the components, totals, payment, QR."""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from kiosk.receipts.facts import ReceiptFacts
from kiosk.receipts.pdf_parts import (
    ACCENT,
    DUPLICATE_RED,
    RULE,
    TEST_MARK,
    TEST_ORANGE,
    Grid,
    QRCode,
    RenderOptions,
    Styles,
    draw_duplicate_watermark,
    draw_test_watermark,
    is_test,
    logo,
    page_document,
    para,
)
from kiosk.receipts.tender_wording import realisation_note, reference_rows
from kiosk.receipts.verification import qr_payload
from kiosk.receipts.wording import payment_method, title, total_label, who_label

PAGES = {"a5": (A5, 12 * mm, 9.0), "a4": (A4, 18 * mm, 10.5)}


def render_page(facts: ReceiptFacts, opts: RenderOptions, duplicate: bool) -> bytes:
    pagesize, margin, base = PAGES[opts.layout]
    styles = Styles.sized(base)
    buf = io.BytesIO()
    doc = page_document(
        buf,
        pagesize,
        margin,
        title=f"{title(facts).title()} {facts.number}",
        author=opts.institution,
        subject=f"{facts.student_name} · {facts.invoice_number}",
    )
    width = pagesize[0] - 2 * margin
    test = is_test(facts, opts)

    def decorate(canvas: Any, _doc: Any) -> None:
        if duplicate:
            draw_duplicate_watermark(canvas, pagesize[0], pagesize[1], base * 7)
        if test:
            draw_test_watermark(canvas, pagesize[0], pagesize[1])

    doc.build(
        story(facts, opts, styles, width, duplicate), onFirstPage=decorate, onLaterPages=decorate
    )
    return buf.getvalue()


def story(
    facts: ReceiptFacts, opts: RenderOptions, st: Styles, width: float, duplicate: bool
) -> list[Flowable]:
    parts: list[Flowable] = []
    if is_test(facts, opts):
        text = f"{TEST_MARK} · Stripe test mode, no money taken"
        parts += [_banner(st, width, text, TEST_ORANGE), Spacer(1, 3 * mm)]
    if duplicate:
        text = "DUPLICATE — reprint of the original receipt"
        parts += [_banner(st, width, text, DUPLICATE_RED), Spacer(1, 3 * mm)]
    parts += [
        header(facts, opts, st, width),
        Spacer(1, 4 * mm),
        _who(facts, opts, st, width),
        Spacer(1, 4 * mm),
        _amounts(facts, opts, st, width),
        Spacer(1, 4 * mm),
        _payment(facts, opts, st, width),
        Spacer(1, 5 * mm),
        _verification(facts, st, width),
    ]
    return parts


def header(facts: ReceiptFacts, opts: RenderOptions, st: Styles, width: float) -> Table:
    image = logo(opts.logo, 16 * mm)
    right = [
        para(title(facts), st.title_right),
        para(facts.number, st.strong_right),
    ]
    left = [para(opts.institution, st.heading), para(opts.address, st.small)]
    cols = [image, left, right] if image else [left, right]
    widths = ([19 * mm] if image else []) + [None, 48 * mm]
    table = Grid([cols], colWidths=_fill(widths, width))
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (-1, 0), (-1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, ACCENT),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _who(facts: ReceiptFacts, opts: RenderOptions, st: Styles, width: float) -> Table:
    w = opts.wording
    who = who_label(facts)
    rows = [
        [
            para("Date", st.label),
            para(w.when(facts.issued_at), st.value),
            para("Invoice", st.label),
            para(facts.invoice_number, st.strong),
        ],
        [
            para(who, st.label),
            para(facts.student_name, st.strong),
            para("Student no.", st.label),
            para(facts.student_number, st.value),
        ],
        [para("Email", st.label), para(facts.student_email or "—", st.value), "", ""],
    ]
    k = st.body.fontSize / 9
    table = Grid(rows, colWidths=_fill([26 * mm * k, None, 22 * mm * k, 34 * mm * k], width))
    table.setStyle(_grid_style([("SPAN", (1, 2), (3, 2))]))
    return table


def _amounts(facts: ReceiptFacts, opts: RenderOptions, st: Styles, width: float) -> Table:
    def money(minor: int) -> str:
        return opts.wording.money(minor, facts.currency)

    head = "Taken back from fee component" if facts.is_refund else "Fee component"
    amount_head = st.label.clone("label_right", alignment=2)
    rows: list[list[Any]] = [[para(head, st.label), para("Amount", amount_head)]]
    rows += [
        [para(ln.component, st.value), para(money(ln.amount), st.value_right)] for ln in facts.lines
    ]
    if facts.unallocated:
        credit = (
            "From credit on account"
            if facts.is_refund
            else "Credit on account (beyond what was owed)"
        )
        rows.append([para(credit, st.value), para(money(facts.unallocated), st.value_right)])
    total = total_label(facts)
    rows.append([para(total, st.strong), para(money(facts.amount), st.strong_right)])
    balance = (
        f"Balance on invoice after this {'reversal' if facts.reversal else 'refund'}"
        if facts.is_refund
        else ("Balance remaining on invoice")
    )
    rows.append(
        [
            para(f"{balance} {facts.invoice_number}", st.value),
            para(money(facts.balance_after), st.value_right),
        ]
    )
    table = Grid(rows, colWidths=_fill([None, 42 * mm], width))
    n = len(rows)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                ("LINEABOVE", (0, n - 2), (-1, n - 2), 0.8, ACCENT),
                ("TOPPADDING", (0, n - 2), (-1, n - 2), 4),
            ]
        )
    )
    return table


def _payment(facts: ReceiptFacts, opts: RenderOptions, st: Styles, width: float) -> Table:
    rows = [[para("Payment method", st.label), para(payment_method(facts), st.value)]]
    rows += [
        [para(label, st.label), para(value, st.value)]
        for label, value in reference_rows(facts, opts.wording)
    ]
    rows.append(
        [para("Desk · Cashier", st.label), para(f"{facts.desk or '—'} · {facts.cashier}", st.value)]
    )
    note = realisation_note(facts)
    if note:
        rows.append([para(note, st.strong), ""])
    table = Grid(rows, colWidths=_fill([34 * mm * st.body.fontSize / 9, None], width))
    table.setStyle(_grid_style([("SPAN", (0, -1), (-1, -1))] if note else None))
    return table


def _verification(facts: ReceiptFacts, st: Styles, width: float) -> Table:
    code = facts.verification_code or ""
    qr = QRCode(qr_payload(facts.number, code), 27 * mm)
    text = [
        para("Verify this receipt", st.strong),
        para(f"Verification code {code}", st.value),
        para(
            "Scan the code, or give the number and code to the bursar's desk: it checks "
            "them against the ledger.",
            st.small,
        ),
        para("Computer-generated; valid without a signature.", st.small),
    ]
    table = Grid([[qr, text]], colWidths=_fill([31 * mm, None], width))
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _banner(st: Styles, width: float, text: str, color: Any) -> Table:
    style = st.strong.clone("banner", alignment=1, textColor=color)
    label = para(text, style)
    table = Grid([[label]], colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, color),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _grid_style(extra: list[tuple[Any, ...]] | None = None) -> TableStyle:
    return TableStyle(
        [
            *(extra or []),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
    )


def _fill(widths: list[float | None], total: float) -> list[float]:
    """Give the one None column whatever width the fixed columns leave."""
    fixed = sum(w for w in widths if w is not None)
    return [total - fixed if w is None else w for w in widths]
