"""Building blocks shared by the receipt and fee-slip layouts: options, styles, QR, logo."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Table, TableStyle

from kiosk.receipts.fonts import BOLD, REGULAR, register_fonts
from kiosk.receipts.wording import Wording

log = logging.getLogger(__name__)

LAYOUTS = ("a4", "a5", "thermal80")
INK = colors.HexColor("#1b1f24")
MUTED = colors.HexColor("#5b6470")
RULE = colors.HexColor("#c3c9d1")
ACCENT = colors.HexColor("#1f3a68")
DUPLICATE_RED = colors.HexColor("#b3261e")
TEST_ORANGE = colors.HexColor("#b35900")
TEST_MARK = "TEST MODE — NOT A VALID RECEIPT"


@dataclass(frozen=True)
class RenderOptions:
    institution: str
    address: str
    logo: Path | None
    layout: str
    wording: Wording
    stripe_test: bool = False  # the desk's Stripe key is a test key (see `is_test`)

    @classmethod
    def from_settings(cls, settings: Any, layout: str | None = None) -> RenderOptions:
        chosen = (layout or settings.get("receipts.layout")).lower()
        if chosen not in LAYOUTS:
            raise ValueError(f"receipt layout must be one of {', '.join(LAYOUTS)}, not {chosen!r}")
        return cls(
            institution=str(settings.get("institution.name")),
            address=str(settings.get("institution.address")),
            logo=_logo_path(settings),
            layout=chosen,
            wording=Wording(settings.get("desk.locale"), settings.get("desk.timezone")),
            stripe_test=_test_key(),
        )


def _test_key() -> bool:
    from kiosk.secrets import get_secret

    key = get_secret("stripe_secret_key") or ""
    return key.startswith(("sk_test_", "rk_test_"))


def is_test(facts: Any, opts: RenderOptions) -> bool:
    """A receipt carries the TEST mark when its payment was made in Stripe test mode: what
    the ledger records (ReceiptFacts.test_mode), else the mode of the desk's key."""
    return opts.stripe_test if facts.test_mode is None else bool(facts.test_mode)


def _logo_path(settings: Any) -> Path | None:
    raw = str(settings.get("institution.logo") or "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    if not path.is_absolute() and getattr(settings, "path", None) is not None:
        path = Path(settings.path).parent / path
    if not path.is_file():
        log.warning("institution.logo %s not found: receipts print without a logo", path)
        return None
    return path


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    label: ParagraphStyle
    value: ParagraphStyle
    value_right: ParagraphStyle
    strong: ParagraphStyle
    strong_right: ParagraphStyle
    title: ParagraphStyle
    title_right: ParagraphStyle
    heading: ParagraphStyle
    center: ParagraphStyle
    center_small: ParagraphStyle

    @classmethod
    def sized(cls, base: float) -> Styles:
        register_fonts()

        def style(
            name: str,
            size: float,
            font: str = REGULAR,
            align: int = TA_LEFT,
            color: colors.Color = INK,
        ) -> ParagraphStyle:
            return ParagraphStyle(
                name,
                fontName=font,
                fontSize=size,
                leading=size * 1.25,
                alignment=align,
                textColor=color,
            )

        return cls(
            body=style("body", base),
            small=style("small", base - 1.5, color=MUTED),
            label=style("label", base - 0.5, color=MUTED),
            value=style("value", base),
            value_right=style("value_right", base, align=TA_RIGHT),
            strong=style("strong", base + 0.5, BOLD),
            strong_right=style("strong_right", base + 0.5, BOLD, TA_RIGHT),
            title=style("title", base + 5, BOLD, color=ACCENT),
            title_right=style("title_right", base + 5, BOLD, TA_RIGHT, ACCENT),
            heading=style("heading", base + 1.5, BOLD),
            center=style("center", base, align=TA_CENTER),
            center_small=style("center_small", base - 1.5, align=TA_CENTER, color=MUTED),
        )


class Grid(Table):  # type: ignore[misc]  # reportlab has no type stubs
    """A reportlab Table whose cells use the shipped font (Table's own default is Helvetica,
    which would put an unembedded base font in the PDF)."""

    def __init__(self, data: list[list[Any]], colWidths: list[float] | None = None) -> None:
        register_fonts()
        super().__init__(data, colWidths=colWidths)
        self.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR)]))


def page_document(
    buf: Any, pagesize: tuple[float, float], margin: float, *, title: str, author: str, subject: str
) -> SimpleDocTemplate:
    """A page of our PDFs: even margins, our font, Fee Kiosk as creator, and reportlab's
    invariant mode (the same content gives the same bytes)."""
    return SimpleDocTemplate(
        buf,
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        author=author,
        subject=subject,
        creator="Fee Kiosk",
        invariant=1,
        initialFontName=REGULAR,
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped: a student named "A & B <C>" stays text)."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def logo(path: Path | None, size: float) -> Flowable | None:
    if path is None:
        return None
    try:
        from reportlab.lib.utils import ImageReader

        width, height = ImageReader(str(path)).getSize()
    except Exception as exc:  # a broken logo must not stop a receipt
        log.warning("institution logo %s unreadable (%s): printing without it", path, exc)
        return None
    scale = size / max(width, height)
    return Image(str(path), width=width * scale, height=height * scale)


class QRCode(Flowable):  # type: ignore[misc]  # reportlab has no type stubs
    """A QR code drawn as vector squares, `size` points wide, quiet zone included.

    Drawn in module units with one literal path (integers only): a slip run draws
    thousands, and reportlab's number formatting is the slow part otherwise. `mask`
    fixes the QR mask pattern, which skips segno's best-mask search (4x faster;
    every mask gives a valid code).
    """

    def __init__(self, data: str, size: float, border: int = 2, mask: int | None = None) -> None:
        super().__init__()
        self.data = data
        self.size = size
        self.border = border
        self.matrix = qr_matrix(data, mask)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        n = len(self.matrix) + 2 * self.border
        canvas = self.canv
        canvas.saveState()
        canvas.scale(self.size / n, self.size / n)
        canvas.addLiteral(f"1 g 0 0 {n} {n} re f 0 g {qr_runs(self.matrix, self.border)} f")
        canvas.restoreState()


def qr_matrix(data: str, mask: int | None = None) -> list[list[bool]]:
    import segno

    code = segno.make(data, error="m", micro=False, mask=mask)
    return [[bool(v) for v in row] for row in code.matrix]


def qr_runs(matrix: list[list[bool]], border: int) -> str:
    """Each row's dark runs as `x y w 1 re`, in module units, origin bottom-left."""
    n = len(matrix) + 2 * border
    ops = []
    for r, row in enumerate(matrix):
        y = n - 1 - (r + border)
        c, width = 0, len(row)
        while c < width:
            if row[c]:
                start = c
                while c < width and row[c]:
                    c += 1
                ops.append(f"{start + border} {y} {c - start} 1 re")
            else:
                c += 1
    return " ".join(ops)


def draw_test_watermark(canvas: Any, width: float, height: float) -> None:
    """TEST MODE — NOT A VALID RECEIPT along the page's other diagonal (DUPLICATE takes the
    rising one), sized to it, in light ink so the amounts under it stay legible."""
    from math import atan2, degrees, hypot

    from reportlab.pdfbase.pdfmetrics import stringWidth

    size = 0.82 * hypot(width, height) / stringWidth(TEST_MARK, BOLD, 1)
    canvas.saveState()
    canvas.setFillColor(TEST_ORANGE)
    canvas.setFillAlpha(0.14)
    canvas.setFont(BOLD, size)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(-degrees(atan2(height, width)))
    canvas.drawCentredString(0, -size / 3, TEST_MARK)
    canvas.restoreState()


def draw_duplicate_watermark(canvas: Any, width: float, height: float, font_size: float) -> None:
    """A large diagonal DUPLICATE across the page, under 25% ink so the text stays legible."""
    canvas.saveState()
    canvas.setFillColor(DUPLICATE_RED)
    canvas.setFillAlpha(0.16)
    canvas.setFont(BOLD, font_size)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    canvas.drawCentredString(0, -font_size / 3, "DUPLICATE")
    canvas.restoreState()
