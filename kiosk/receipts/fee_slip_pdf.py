"""The fee slip page: the invoice, its components, and a QR code of a Payment Link for the
outstanding balance. Drawn straight on the canvas (no platypus): a run prints thousands.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from reportlab.lib.pagesizes import A4, A5
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfgen.canvas import Canvas

from kiosk.receipts.fonts import BOLD, REGULAR, register_fonts
from kiosk.receipts.pdf_parts import ACCENT, INK, MUTED, RULE, QRCode, RenderOptions

SLIP_QR_MASK = 2  # fixed: skips segno's best-mask search, 4x faster per slip
RESERVE = 40 * mm + 10 * mm + 70  # below the components: totals, the pay box, the footer
PAGES = {"a5": (A5, 12 * mm, 1.0), "a4": (A4, 18 * mm, 1.25)}


@dataclass(frozen=True)
class SlipLine:
    name: str
    amount: int
    paid: int

    @property
    def balance(self) -> int:
        return max(self.amount - self.paid, 0)


@dataclass(frozen=True)
class SlipFacts:
    invoice_number: str
    student_name: str
    student_number: str
    programme: str
    currency: str
    issue_date: date
    due_date: date
    lines: tuple[SlipLine, ...]
    balance: int
    link_url: str
    attempt_id: str
    generated_at: datetime


class SlipWriter:
    """One canvas; `add(facts)` draws a page. `bytes()` ends the document."""

    def __init__(self, opts: RenderOptions, layout: str = "a5") -> None:
        register_fonts()
        self.opts = opts
        self.pagesize, self.margin, self.k = PAGES[layout]
        self.buf = io.BytesIO()
        self.canvas = Canvas(
            self.buf,
            pagesize=self.pagesize,
            invariant=1,
            initialFontName=REGULAR,
            pageCompression=1,
        )
        self.canvas.setTitle("Fee slips")
        self.canvas.setAuthor(opts.institution)
        self.canvas.setCreator("Fee Kiosk")
        self.logo = _flat_logo(str(opts.logo)) if opts.logo else None
        self.pages = 0

    def add(self, facts: SlipFacts) -> None:
        _Page(self, facts).draw()
        self.canvas.showPage()
        self.pages += 1

    def bytes(self) -> bytes:
        self.canvas.save()
        return self.buf.getvalue()


def render_slip(facts: SlipFacts, opts: RenderOptions, layout: str = "a5") -> bytes:
    writer = SlipWriter(opts, layout)
    writer.add(facts)
    return writer.bytes()


class _Page:
    def __init__(self, writer: SlipWriter, facts: SlipFacts) -> None:
        self.w, self.f = writer, facts
        self.c: Canvas = writer.canvas
        self.k = writer.k
        self.left = writer.margin
        self.right = writer.pagesize[0] - writer.margin
        self.y = writer.pagesize[1] - writer.margin

    def money(self, minor: int) -> str:
        return self.w.opts.wording.money(minor, self.f.currency)

    def text(
        self,
        x: float,
        s: str,
        size: float,
        font: str = REGULAR,
        color: Any = INK,
        align: str = "left",
    ) -> None:
        """Bold is drawn as the regular face filled and stroked (text render mode 2): one
        embedded font subset per slip instead of two, the largest part of a slip's cost."""
        bold = font == BOLD
        self.c.setFont(REGULAR, size * self.k)
        self.c.setFillColor(color)
        if bold:
            self.c.setStrokeColor(color)
            self.c.setLineWidth(size * self.k * 0.045)
        draw = {
            "left": self.c.drawString,
            "right": self.c.drawRightString,
            "center": self.c.drawCentredString,
        }[align]
        draw(x, self.y, s, mode=2 if bold else None)

    def down(self, points: float) -> None:
        self.y -= points * self.k

    def rule(self, color: Any = RULE, width: float = 0.6) -> None:
        self.c.setStrokeColor(color)
        self.c.setLineWidth(width)
        self.c.line(self.left, self.y, self.right, self.y)

    def draw(self) -> None:
        self.header()
        self.student()
        self.components()
        self.pay_box()
        self.footer()

    def header(self) -> None:
        opts, top = self.w.opts, self.y
        x = self.left
        if self.w.logo is not None:
            size = 15 * mm * self.k
            self.c.drawImage(self.w.logo, x, top - size, size, size, preserveAspectRatio=True)
            x += size + 3 * mm
        self.down(12)
        self.text(x, opts.institution, 11.5, BOLD)
        self.text(self.right, "FEE SLIP", 14, BOLD, ACCENT, "right")
        self.down(12)
        self.text(x, opts.address, 7.5, color=MUTED)
        self.text(self.right, self.f.invoice_number, 9.5, BOLD, align="right")
        self.y = min(self.y, top - 17 * mm * self.k) - 3 * self.k
        self.rule(ACCENT, 1.2)

    def student(self) -> None:
        f, w = self.f, self.w.opts.wording
        mid = self.left + (self.right - self.left) * 0.62
        self.down(16)
        self.text(self.left, "Student", 8, color=MUTED)
        self.text(self.left + 22 * mm * self.k, f"{f.student_name}", 10, BOLD)
        self.text(mid, "Issued", 8, color=MUTED)
        self.text(self.right, _date(f.issue_date, w), 9, align="right")
        self.down(13)
        self.text(self.left, "Student no.", 8, color=MUTED)
        self.text(self.left + 22 * mm * self.k, f.student_number, 9)
        self.text(mid, "Due", 8, color=MUTED)
        self.text(self.right, _date(f.due_date, w), 9, BOLD, align="right")
        if f.programme:
            self.down(13)
            self.text(self.left, "Programme", 8, color=MUTED)
            self.text(self.left + 22 * mm * self.k, f.programme[:60], 9)
        self.down(10)

    def components(self) -> None:
        cols = [self.right - 58 * mm * self.k, self.right - 29 * mm * self.k, self.right]
        self.down(12)
        self.text(self.left, "Fee component", 8, color=MUTED)
        for x, head in zip(cols, ("Amount", "Paid", "Balance"), strict=True):
            self.text(x, head, 8, color=MUTED, align="right")
        self.down(4)
        self.rule()
        name_width = cols[0] - self.left - 22 * mm * self.k
        rows = [(ln, self._wrap(ln.name, name_width)) for ln in self.f.lines]
        rows = self._fit(rows, name_width)
        for line, names in rows:
            self.down(12)
            self.text(self.left, names[0], 9)
            for x, value in zip(cols, (line.amount, line.paid, line.balance), strict=True):
                self.text(x, self.money(value), 9, align="right")
            for extra in names[1:]:
                self.down(11)
                self.text(self.left, extra, 9)
        self.down(6)
        self.rule(ACCENT, 0.8)
        self.down(14)
        self.text(self.left, "Outstanding balance", 10.5, BOLD)
        self.text(self.right, self.money(self.f.balance), 10.5, BOLD, align="right")
        self.down(10)

    def _wrap(self, name: str, width: float) -> list[str]:
        names = simpleSplit(name, REGULAR, 9 * self.k, width) or [""]
        return names if len(names) <= 2 else [names[0], names[1].rstrip() + "…"]

    def _fit(
        self, rows: list[tuple[SlipLine, list[str]]], width: float
    ) -> list[tuple[SlipLine, list[str]]]:
        """The rows that fit above the totals and the pay box; the rest folded into one."""
        room = self.y - self.w.margin - RESERVE * self.k
        used = 0.0
        for count, (_, names) in enumerate(rows):
            used += (12 + 11 * (len(names) - 1)) * self.k
            if used > room - 12 * self.k and count < len(rows) - 1:
                rest = [ln for ln, _ in rows[count:]]
                folded = SlipLine(
                    f"{len(rest)} more components",
                    sum(r.amount for r in rest),
                    sum(r.paid for r in rest),
                )
                return [*rows[:count], (folded, self._wrap(folded.name, width))]
        return rows

    def pay_box(self) -> None:
        f = self.f
        size = 40 * mm * self.k
        top = self.y - 4 * mm
        self.c.setStrokeColor(RULE)
        self.c.setLineWidth(0.8)
        self.c.roundRect(
            self.left,
            top - size - 6 * mm,
            self.right - self.left,
            size + 6 * mm,
            4,
            stroke=1,
            fill=0,
        )
        qr = QRCode(f.link_url, size, mask=SLIP_QR_MASK)
        qr.canv = self.c
        self.c.saveState()
        self.c.translate(self.left + 3 * mm, top - size - 3 * mm)
        qr.draw()
        self.c.restoreState()
        x = self.left + size + 8 * mm
        width = self.right - x - 3 * mm
        self.y = top - 8 * mm
        self.text(x, f"Pay {self.money(f.balance)} online", 12, BOLD, ACCENT)
        self.down(15)
        for para, size_pt, color in (
            (
                "Scan the code with your phone's camera to pay the whole balance by card "
                "through Stripe, before you reach the counter.",
                8.5,
                INK,
            ),
            (
                "The link is for this amount only. When your balance changes (a payment at "
                "the desk, a refund), it stops working: ask the bursar's desk for a new slip.",
                8,
                MUTED,
            ),
        ):
            for row in simpleSplit(para, REGULAR, size_pt * self.k, width):
                self.text(x, row, size_pt, color=color)
                self.down(size_pt * 1.3)
            self.down(4)
        self.y = top - size - 6 * mm

    def footer(self) -> None:
        self.down(12)
        self.text(self.left, self.f.link_url, 7, color=MUTED)
        self.down(10)
        w = self.w.opts.wording
        self.text(
            self.left,
            f"Slip generated {w.when(self.f.generated_at)} · ref {self.f.attempt_id}",
            7,
            color=MUTED,
        )


@cache
def _flat_logo(path: str) -> ImageReader | None:
    """The logo on white as a small JPEG, made once: reportlab embeds JPEG data as it is,
    where a PNG is decoded and recompressed in every file (the slowest part of a slip)."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            img.thumbnail((240, 240))
            rgba = img.convert("RGBA")
    except OSError:
        return None
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    buf = io.BytesIO()
    flat.save(buf, "JPEG", quality=92)
    buf.seek(0)
    return ImageReader(buf)


def _date(day: date, wording: Any) -> str:
    from babel.dates import format_date

    return format_date(day, "d MMM yyyy", locale=wording.locale)
